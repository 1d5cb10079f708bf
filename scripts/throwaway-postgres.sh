#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster (temporary data dir, free port, trust auth on 127.0.0.1) and prints
# the URL for PATCHBAY_TEST_DATABASE_URL on stdout. Stop it with: throwaway-postgres.sh stop DATADIR
# PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
    echo "throwaway-postgres: no PostgreSQL server found (apt-get install postgresql)" >&2
    exit 3
fi

run_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        su postgres -s /bin/bash -c "$*"
    else
        bash -c "$*"
    fi
}

if [[ "${1:-}" == "stop" ]]; then
    run_as_owner "'$bindir/pg_ctl' -D '$2/data' -m immediate stop" >/dev/null 2>&1 || true
    rm -rf "$2"
    exit 0
fi

dir=$(mktemp -d /tmp/patchbay-pg.XXXXXX)
chmod 755 "$dir"
[[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_as_owner "'$bindir/initdb' -D '$dir/data' -A trust -U postgres -E UTF8 --no-locale" >"$dir/initdb.log" 2>&1
run_as_owner "'$bindir/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 \
    -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off\" start" >/dev/null
echo "PGDIR=$dir"
echo "PATCHBAY_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"

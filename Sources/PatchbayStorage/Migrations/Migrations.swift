/// Every schema migration, in order. Append only: a released migration is never edited.
public enum Migrations {
    public static let all: [Migration] = [
        identities, eventCatalog, webhooks, deliveries, attempts, claimableDeliveries, installations, actions, connectors, tokenRefreshSchedule,
        inbound, webhookRateLimits, heldDeliveries, attemptSigners, retentionIndexes,
        slashCommands, consoleSessions, consoleChartIndexes, consoleUploads, authenticationEpoch, leanerAttempts,
    ]

    /// `delivery_attempts_latency` (delivery, sent at, duration) begins with every column of
    /// `delivery_attempts_delivery` (delivery, sent at), so it serves the same look-ups; keeping both cost every
    /// recorded attempt one more B-tree insert, on the delivery path's hottest statement (issue 19).
    static let leanerAttempts = Migration(
        version: 21,
        name: "leaner attempts",
        statements: [.both("DROP INDEX IF EXISTS delivery_attempts_delivery")]
    )

    /// A counter that every change to a token row bumps, in the same transaction, whoever makes it (API, console,
    /// CLI, a cascade from a deleted organization, user or integration). Instances poll it to forget the principals
    /// they cached, so a revocation reaches every instance sharing the database.
    /// Every column a principal is made of (a rename or a use does not count).
    private static let changedColumns = "revoked_at, expires_at, scopes, is_admin, organization_id, user_id, integration_id, secret_hash"
    static let authenticationEpoch = Migration(
        version: 20,
        name: "authentication epoch",
        statements: [
            .both("CREATE TABLE authentication_epoch (id BIGINT PRIMARY KEY CHECK (id = 1), epoch BIGINT NOT NULL)"),
            .both("INSERT INTO authentication_epoch (id, epoch) VALUES (1, 0)"),
            .postgresOnly(
                """
                CREATE FUNCTION authentication_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN UPDATE authentication_epoch SET epoch = epoch + 1 WHERE id = 1; RETURN NULL; END $$
                """
            ),
            .dialect(
                sqlite: """
                    CREATE TRIGGER access_tokens_changed AFTER UPDATE OF \(changedColumns) ON access_tokens
                    BEGIN UPDATE authentication_epoch SET epoch = epoch + 1 WHERE id = 1; END
                    """,
                postgres: """
                    CREATE TRIGGER access_tokens_changed AFTER UPDATE OF \(changedColumns) ON access_tokens
                    FOR EACH STATEMENT EXECUTE FUNCTION authentication_epoch_bump()
                    """
            ),
            .dialect(
                sqlite: """
                    CREATE TRIGGER access_tokens_deleted AFTER DELETE ON access_tokens
                    BEGIN UPDATE authentication_epoch SET epoch = epoch + 1 WHERE id = 1; END
                    """,
                postgres: """
                    CREATE TRIGGER access_tokens_deleted AFTER DELETE ON access_tokens
                    FOR EACH STATEMENT EXECUTE FUNCTION authentication_epoch_bump()
                    """
            ),
        ]
    )

    /// A document uploaded to re-import an integration, held between its diff and "Apply" (minutes, per session).
    static let consoleUploads = Migration(
        version: 19,
        name: "console uploads",
        statements: [
            .both(
                """
                CREATE TABLE console_uploads (
                    id TEXT PRIMARY KEY,
                    session_hash TEXT NOT NULL,
                    integration_id TEXT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
                    document TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """
            ),
            .both("CREATE INDEX console_uploads_age ON console_uploads(created_at)"),
        ]
    )

    /// Covering indexes for the console's charts: a web hook's last hour counted from the indexes alone.
    static let consoleChartIndexes = Migration(
        version: 18,
        name: "console chart indexes",
        statements: [
            .both("CREATE INDEX deliveries_webhook_activity ON deliveries(webhook_id, created_at, status, updated_at)"),
            .both("CREATE INDEX delivery_attempts_latency ON delivery_attempts(delivery_id, sent_at, duration_ms)"),
        ]
    )

    /// Console sign-ins and the single-use portal links that start them. Only hashes of their secrets are stored.
    static let consoleSessions = Migration(
        version: 17,
        name: "console sessions and portal links",
        statements: [
            .both(
                """
                CREATE TABLE console_sessions (
                    id_hash TEXT PRIMARY KEY,
                    csrf TEXT NOT NULL,
                    token_id TEXT,
                    environment_admin_hash TEXT,
                    organization_id TEXT,
                    scopes TEXT,
                    reveal TEXT,
                    created_at BIGINT NOT NULL,
                    last_seen_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL
                )
                """
            ),
            .both("CREATE INDEX console_sessions_expiry ON console_sessions(expires_at)"),
            .both(
                """
                CREATE TABLE console_links (
                    id TEXT PRIMARY KEY,
                    secret_hash TEXT NOT NULL UNIQUE,
                    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                    scopes TEXT NOT NULL,
                    token_id TEXT,
                    environment_admin_hash TEXT,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    used_at BIGINT
                )
                """
            ),
        ]
    )

    /// Integration features (existing integrations get those they already use) and slash commands: the commands,
    /// their invocations (the history) and the deferred responses posted to an invocation's response URL.
    static let slashCommands = Migration(
        version: 16,
        name: "integration features and slash commands",
        statements: [
            .both("ALTER TABLE integrations ADD COLUMN features TEXT NOT NULL DEFAULT '[]'"),
            .both(
                """
                UPDATE integrations SET features = '[' || rtrim(
                    (CASE WHEN endpoint_webhook_id IS NOT NULL OR EXISTS (SELECT 1 FROM webhooks WHERE webhooks.integration_id = integrations.id)
                          THEN '"outboundWebhooks",' ELSE '' END) ||
                    (CASE WHEN EXISTS (SELECT 1 FROM inbound_webhooks WHERE inbound_webhooks.integration_id = integrations.id)
                          THEN '"inboundWebhooks",' ELSE '' END) ||
                    (CASE WHEN EXISTS (SELECT 1 FROM actions WHERE actions.integration_id = integrations.id)
                            OR EXISTS (SELECT 1 FROM integration_apis WHERE integration_apis.integration_id = integrations.id)
                          THEN '"actions",' ELSE '' END), ',') || ']'
                """
            ),
            .both(
                """
                CREATE TABLE commands (
                    id TEXT PRIMARY KEY,
                    integration_id TEXT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
                    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    description TEXT NOT NULL,
                    usage TEXT,
                    search_text TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    UNIQUE (integration_id, name)
                )
                """
            ),
            .both("CREATE INDEX commands_name ON commands(name)"),
            .both(
                """
                CREATE TABLE command_invocations (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL,
                    integration_id TEXT NOT NULL,
                    command_id TEXT NOT NULL,
                    command TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    text TEXT NOT NULL,
                    request TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    answer TEXT,
                    status_code BIGINT,
                    latency_ms BIGINT NOT NULL,
                    error TEXT,
                    search_text TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """
            ),
            .both("CREATE INDEX command_invocations_org ON command_invocations(organization_id, created_at, id)"),
            .both("CREATE INDEX command_invocations_created ON command_invocations(created_at, id)"),
            .both(
                """
                CREATE TABLE command_responses (
                    invocation_id TEXT NOT NULL,
                    seq BIGINT NOT NULL,
                    organization_id TEXT NOT NULL,
                    body TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    received_at BIGINT NOT NULL,
                    PRIMARY KEY (invocation_id, seq)
                )
                """
            ),
            .both("CREATE INDEX command_responses_received ON command_responses(received_at)"),
        ]
    )

    /// The retention pass finds what is past retention by age, oldest first, without scanning whole tables.
    static let retentionIndexes = Migration(
        version: 15,
        name: "retention indexes",
        statements: [
            .both("CREATE INDEX events_created ON events(created_at, seq)"),
            .both("CREATE INDEX deliveries_created ON deliveries(created_at, id)"),
            .both("CREATE INDEX inbound_requests_received ON inbound_requests(received_at, id)"),
        ]
    )

    /// Which secrets signed each attempt (`["current"]`, or with `"previous"` during a rotation's grace period).
    static let attemptSigners = Migration(
        version: 14,
        name: "attempt signers",
        statements: [.both("ALTER TABLE delivery_attempts ADD COLUMN signed_with TEXT")]
    )

    /// Deliveries held for a paused or disabled webhook are counted (`heldCount`) and released per webhook.
    static let heldDeliveries = Migration(
        version: 13,
        name: "held deliveries",
        statements: [
            .both("CREATE INDEX deliveries_held ON deliveries(webhook_id, created_at, id) WHERE status = 'held'")
        ]
    )

    /// A webhook's `rateLimit` (deliveries a second) and the window its sends are counted in: one row per webhook that
    /// every instance updates atomically, so the limit holds across instances sharing PostgreSQL.
    static let webhookRateLimits = Migration(
        version: 12,
        name: "webhook rate limits",
        statements: [
            .both("ALTER TABLE webhooks ADD COLUMN rate_limit BIGINT"),
            .both("ALTER TABLE webhooks ADD COLUMN rate_window BIGINT NOT NULL DEFAULT 0"),
            .both("ALTER TABLE webhooks ADD COLUMN rate_count BIGINT NOT NULL DEFAULT 0"),
        ]
    )

    /// Inbound endpoints and the requests they accepted. The URL token is sealed and found by its hash; the
    /// verification settings (secrets included) are sealed whole. A provider's delivery id is unique per endpoint,
    /// so a redelivery is accepted once (NULLs, requests without an id, never collide). Refused requests only count.
    /// An endpoint integration points at the webhook that carries its events.
    static let inbound = Migration(
        version: 11,
        name: "inbound webhooks",
        statements: [
            .both(
                """
                CREATE TABLE inbound_webhooks (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                    integration_id TEXT REFERENCES integrations(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    event_type TEXT NOT NULL,
                    verification_scheme TEXT NOT NULL,
                    verification TEXT NOT NULL,
                    url_token TEXT NOT NULL,
                    url_token_hash TEXT NOT NULL UNIQUE,
                    active BIGINT NOT NULL,
                    actor TEXT NOT NULL,
                    accepted_count BIGINT NOT NULL DEFAULT 0,
                    rejected_count BIGINT NOT NULL DEFAULT 0,
                    duplicate_count BIGINT NOT NULL DEFAULT 0,
                    last_received_at BIGINT,
                    last_rejected_at BIGINT,
                    last_rejection TEXT,
                    search_text TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """
            ),
            .both("CREATE INDEX inbound_webhooks_org ON inbound_webhooks(organization_id, created_at, id)"),
            .both(
                """
                CREATE TABLE inbound_requests (
                    id TEXT PRIMARY KEY,
                    inbound_webhook_id TEXT NOT NULL REFERENCES inbound_webhooks(id) ON DELETE CASCADE,
                    organization_id TEXT NOT NULL,
                    received_at BIGINT NOT NULL,
                    headers TEXT NOT NULL,
                    body TEXT NOT NULL,
                    body_encoding TEXT NOT NULL,
                    verdict TEXT NOT NULL,
                    delivery_id TEXT,
                    event_id TEXT,
                    problems TEXT NOT NULL,
                    UNIQUE (inbound_webhook_id, delivery_id)
                )
                """
            ),
            .both("CREATE INDEX inbound_requests_endpoint ON inbound_requests(inbound_webhook_id, received_at, id)"),
            .both("ALTER TABLE integrations ADD COLUMN endpoint_webhook_id TEXT REFERENCES webhooks(id) ON DELETE SET NULL"),
        ]
    )

    /// When each installation's token should be refreshed in the background (nil when it cannot or need not be),
    /// so the refresher finds due installations without opening every sealed token.
    static let tokenRefreshSchedule = Migration(
        version: 10,
        name: "token refresh schedule",
        statements: [
            .both("ALTER TABLE installations ADD COLUMN refresh_due_at BIGINT"),
            .both("CREATE INDEX installations_refresh_due ON installations(refresh_due_at) WHERE refresh_due_at IS NOT NULL"),
        ]
    )

    /// The connectors runtime: an installation's sealed credentials and OAuth tokens, the refresh lease that makes a
    /// refresh single-flight across instances (`token_version` tells waiters a refresh landed), pending
    /// authorization requests (the `state` is stored hashed, the PKCE verifier sealed), and organization mappings.
    static let connectors = Migration(
        version: 9,
        name: "connector installations",
        statements: [
            .both("ALTER TABLE installations ADD COLUMN credentials TEXT"),
            .both("ALTER TABLE installations ADD COLUMN tokens TEXT"),
            .both("ALTER TABLE installations ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0"),
            .both("ALTER TABLE installations ADD COLUMN refresh_lease_until BIGINT NOT NULL DEFAULT 0"),
            .both("ALTER TABLE installations ADD COLUMN refresh_lease_owner TEXT"),
            .both("ALTER TABLE installations ADD COLUMN state_reason TEXT"),
            .both("ALTER TABLE installations ADD COLUMN mapping TEXT"),
            .both(
                """
                CREATE TABLE oauth_states (
                    state_hash TEXT PRIMARY KEY,
                    installation_id TEXT NOT NULL REFERENCES installations(id) ON DELETE CASCADE,
                    verifier TEXT NOT NULL,
                    redirect_uri TEXT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """
            ),
            .both("CREATE INDEX oauth_states_installation ON oauth_states(installation_id)"),
            .both(
                """
                CREATE TABLE organization_mappings (
                    installation_id TEXT NOT NULL REFERENCES installations(id) ON DELETE CASCADE,
                    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                    external_id TEXT NOT NULL,
                    external_name TEXT,
                    updated_at BIGINT NOT NULL,
                    PRIMARY KEY (installation_id, organization_id)
                )
                """
            ),
        ]
    )

    /// Integrations made from an API description: the connection settings and the actions. Names are unique per
    /// integration regardless of case (`name_key`).
    static let actions = Migration(
        version: 8,
        name: "integration APIs and actions",
        statements: [
            .both(
                """
                CREATE TABLE integration_apis (
                    integration_id TEXT PRIMARY KEY REFERENCES integrations(id) ON DELETE CASCADE,
                    settings TEXT NOT NULL,
                    definitions TEXT NOT NULL,
                    source TEXT,
                    updated_at BIGINT NOT NULL
                )
                """
            ),
            .both(
                """
                CREATE TABLE actions (
                    id TEXT PRIMARY KEY,
                    integration_id TEXT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    name_key TEXT NOT NULL,
                    method TEXT NOT NULL,
                    path TEXT NOT NULL,
                    search_text TEXT NOT NULL,
                    definition TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    UNIQUE (integration_id, name_key)
                )
                """
            ),
            .both("CREATE INDEX actions_integration_created ON actions(integration_id, created_at, id)"),
        ]
    )

    /// Where integrations are installed. Outbound webhooks of an integration fan out to these organizations' events;
    /// the connectors runtime adds its credentials and OAuth state to the same rows.
    static let installations = Migration(
        version: 7,
        name: "installations",
        statements: [
            .both(
                """
                CREATE TABLE installations (
                    id TEXT PRIMARY KEY,
                    integration_id TEXT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
                    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                    state TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    UNIQUE (integration_id, organization_id)
                )
                """
            ),
            .both("CREATE INDEX installations_organization ON installations(organization_id)"),
        ]
    )

    /// The claim query reads due deliveries in `(next_attempt_at, id)` order; with `(status, next_attempt_at)`
    /// both SQLite and PostgreSQL sorted every due row on each claim (28 ms at 100k pending). A partial index in
    /// claim order lets them stop after the first rows.
    static let claimableDeliveries = Migration(
        version: 6,
        name: "claimable deliveries index",
        statements: [
            .both("CREATE INDEX deliveries_claimable ON deliveries(next_attempt_at, id) WHERE status IN ('pending', 'retrying')"),
            // Batching folds one webhook's pending deliveries, in the same order.
            .both(
                "CREATE INDEX deliveries_webhook_claimable ON deliveries(webhook_id, next_attempt_at, id) WHERE status IN ('pending', 'retrying')"),
            .both("DROP INDEX deliveries_due"),
        ]
    )

    static let attempts = Migration(
        version: 5,
        name: "delivery attempts",
        statements: [
            .both(
                """
                CREATE TABLE delivery_attempts (
                    id TEXT PRIMARY KEY,
                    delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
                    sent_at BIGINT NOT NULL,
                    url TEXT NOT NULL,
                    status_code BIGINT,
                    result TEXT NOT NULL,
                    duration_ms BIGINT NOT NULL,
                    request_headers TEXT NOT NULL,
                    request_body TEXT NOT NULL,
                    response_headers TEXT NOT NULL,
                    response_body TEXT,
                    error TEXT
                )
                """
            ),
            .both("CREATE INDEX delivery_attempts_delivery ON delivery_attempts(delivery_id, sent_at)"),
        ]
    )

    static let deliveries = Migration(
        version: 4,
        name: "webhook deliveries",
        statements: [
            .both(
                """
                CREATE TABLE deliveries (
                    id TEXT PRIMARY KEY,
                    webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
                    organization_id TEXT NOT NULL,
                    event_ids TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempt_count BIGINT NOT NULL,
                    next_attempt_at BIGINT,
                    lease_owner TEXT,
                    lease_expires_at BIGINT,
                    last_attempt_at BIGINT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """
            ),
            .both("CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at)"),
            .both("CREATE INDEX deliveries_webhook ON deliveries(webhook_id, created_at, id)"),
        ]
    )

    static let webhooks = Migration(
        version: 3,
        name: "outbound webhooks",
        statements: [
            .both(
                """
                CREATE TABLE webhooks (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                    integration_id TEXT REFERENCES integrations(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    url TEXT NOT NULL,
                    event_types TEXT NOT NULL,
                    state TEXT NOT NULL,
                    verify_tls BIGINT NOT NULL,
                    format TEXT NOT NULL,
                    max_events_per_request BIGINT NOT NULL,
                    authorization_scheme TEXT,
                    authorization_token TEXT,
                    headers TEXT NOT NULL,
                    secret TEXT NOT NULL,
                    previous_secret TEXT,
                    previous_secret_expires_at BIGINT,
                    last_triggered_at BIGINT NOT NULL,
                    last_status BIGINT,
                    search_text TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """
            ),
            .both("CREATE INDEX webhooks_org ON webhooks(organization_id, created_at, id)"),
        ]
    )

    static let eventCatalog = Migration(
        version: 2,
        name: "host event types and idempotency keys",
        statements: [
            .both(
                """
                CREATE TABLE event_types (
                    name TEXT PRIMARY KEY,
                    description TEXT NOT NULL,
                    schema TEXT,
                    example TEXT NOT NULL,
                    search_text TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """
            ),
            .both(
                """
                CREATE TABLE idempotency_keys (
                    organization_id TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL,
                    request_hash TEXT NOT NULL,
                    event_ids TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (organization_id, idempotency_key)
                )
                """
            ),
            .both("CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at)"),
        ]
    )

    static let identities = Migration(
        version: 1,
        name: "organizations, users, integrations, tokens and the event outbox",
        statements: [
            .both(
                """
                CREATE TABLE organizations (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    search_text TEXT NOT NULL,
                    parent_id TEXT REFERENCES organizations(id),
                    path TEXT NOT NULL UNIQUE,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """
            ),
            .both("CREATE INDEX organizations_parent ON organizations(parent_id)"),
            .both("CREATE INDEX organizations_created ON organizations(created_at, id)"),
            .both(
                """
                CREATE TABLE integrations (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    description TEXT NOT NULL,
                    icon_svg TEXT,
                    status TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    user_kind TEXT NOT NULL,
                    search_text TEXT NOT NULL,
                    finalized_at BIGINT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """
            ),
            .both("CREATE INDEX integrations_org ON integrations(organization_id, created_at, id)"),
            .both(
                """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    email TEXT,
                    email_key TEXT,
                    phone TEXT,
                    role TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    integration_id TEXT REFERENCES integrations(id) ON DELETE CASCADE,
                    search_text TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """
            ),
            .both("CREATE UNIQUE INDEX users_email ON users(organization_id, email_key)"),
            .both("CREATE INDEX users_org ON users(organization_id, created_at, id)"),
            .both(
                """
                CREATE TABLE access_tokens (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT REFERENCES organizations(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    prefix TEXT NOT NULL,
                    secret_hash TEXT NOT NULL UNIQUE,
                    scopes TEXT NOT NULL,
                    is_admin BIGINT NOT NULL,
                    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
                    integration_id TEXT REFERENCES integrations(id) ON DELETE CASCADE,
                    search_text TEXT NOT NULL,
                    expires_at BIGINT,
                    last_used_at BIGINT,
                    revoked_at BIGINT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """
            ),
            .both("CREATE INDEX access_tokens_org ON access_tokens(organization_id, created_at, id)"),
            .dialect(
                sqlite: """
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        organization_id TEXT NOT NULL,
                        organization_path TEXT NOT NULL,
                        type TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        data TEXT NOT NULL,
                        created_at BIGINT NOT NULL
                    )
                    """,
                postgres: """
                    CREATE TABLE events (
                        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        organization_id TEXT NOT NULL,
                        organization_path TEXT NOT NULL,
                        type TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        data TEXT NOT NULL,
                        created_at BIGINT NOT NULL
                    )
                    """
            ),
            .both("CREATE INDEX events_org ON events(organization_id, seq)"),
            .both("CREATE INDEX events_path ON events(organization_path, seq)"),
        ]
    )
}

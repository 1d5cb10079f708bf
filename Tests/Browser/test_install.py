"""Installing custom integrations and running their actions in headless Chromium, written against shared/API.md
("API connectors", "Console (browser)") and the builder's, integration's and installation's templates: an
integration with API key authentication and Page pagination built by hand (its "Test connection" with a typed key,
right and wrong, and its "Preview pagination"), finalized, installed from the integration's "Install" panel and run
with "Follow pages"; then the OAuth 2.0 authorization code grant end to end ("Connect" sends the browser to the
provider, which returns it through /oauth/callback to the installation's page). Every page visited gets the same
check as in test_builder.py: axe (WCAG 2.2 AA), no browser-console error (a CSP violation among them) and a
screenshot; a failed page check is recorded as a sub-test failure and the workflow goes on, so one run shows every
problem.

The server is the one scripts/browser-tests starts (with --allow-private-targets, so it may call loopback); the two
providers it calls are served by this module on 127.0.0.1, on ephemeral ports:
  PagedAPI   GET /items?page=N&per_page=M → {"results": [M items]} for pages 1 to 3, then an empty list; it needs
             X-Api-Key and records every key it was sent.
  FakeOAuth  GET /authorize (302 back to the redirect URI with a code), POST /token (checks the code and the PKCE
             verifier), GET /api/me (needs the access token it issued)."""

import base64
import hashlib
import json
import re
import secrets
import threading
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from selenium.webdriver.common.by import By

import console_harness as h
from console_harness import api, click, control, control_or_none, field, fill, panel, path_of, press, wait_until

ORG = {}
PAGED = None
OAUTH = None
TRIAL_KEY = "trial-" + secrets.token_hex(12)  # typed in the builder's checks, used once, stored nowhere
INSTALL_KEY = "installed-" + secrets.token_hex(12)  # typed in the Install panel
WRONG_KEY = "wrong-" + secrets.token_hex(12)
CLIENT_ID = "patchbay-browser-tests"
CLIENT_SECRET = "client-secret-" + secrets.token_hex(12)
ME = {"id": "user_42", "name": "Ada Lovelace", "email": "ada@provider.example"}


# --- the providers, on loopback -------------------------------------------------------------------------------

class _Server:
    """ThreadingHTTPServer on 127.0.0.1:0 in a daemon thread; handle(handler) answers every request."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def handle_any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                split = urllib.parse.urlsplit(self.path)
                request = {"method": self.command, "path": split.path, "query": urllib.parse.parse_qs(split.query),
                           "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                with outer.lock:
                    outer.requests.append(request)
                status, headers, answer = outer.handle(request)
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Type" not in headers:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def handle(self, request):
        raise NotImplementedError

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _first(query, name):
    values = query.get(name)
    return values[0] if values else None


class PagedAPI(_Server):
    """GET /items?page=N&per_page=M: M items (ids counted from 1 across pages) on pages 1 to PAGES, then none; 401
    without a known X-Api-Key. keys_seen lists the X-Api-Key of every request, in order."""

    PAGES = 3

    def __init__(self, valid_keys):
        self.valid_keys = set(valid_keys)
        self.keys_seen = []
        super().__init__()

    def handle(self, request):
        key = request["headers"].get("x-api-key")
        with self.lock:
            self.keys_seen.append(key)
        if key not in self.valid_keys:
            return 401, {"WWW-Authenticate": 'ApiKey realm="items"'}, {"error": "unauthorized", "message": "a valid X-Api-Key is required"}
        if request["method"] != "GET" or request["path"] != "/items":
            return 404, {}, {"error": "not_found"}
        try:
            page = int(_first(request["query"], "page") or 1)
            per_page = int(_first(request["query"], "per_page") or 2)
        except ValueError:
            return 400, {}, {"error": "page and per_page must be numbers"}
        if page < 1 or not 1 <= per_page <= 100:
            return 400, {}, {"error": "page from 1, per_page from 1 to 100"}
        items = [] if page > self.PAGES else [
            {"id": (page - 1) * per_page + i + 1, "name": f"Item {(page - 1) * per_page + i + 1}"} for i in range(per_page)]
        return 200, {}, {"results": items}

    def item_requests(self, key):
        """(page, per_page) of the requests to /items made with key, in order."""
        with self.lock:
            return [(_first(r["query"], "page"), _first(r["query"], "per_page")) for r in self.requests
                    if r["path"] == "/items" and r["headers"].get("x-api-key") == key]


class FakeOAuth(_Server):
    """An OAuth 2.0 provider for the authorization code grant with PKCE S256 (RFC 6749 §4.1, RFC 7636). problems
    lists every request it refused, and why."""

    def __init__(self, client_id, client_secret, me):
        self.client_id, self.client_secret, self.me = client_id, client_secret, me
        self.problems = []
        self.codes = {}  # code → {challenge, redirect_uri, client_id}
        self.access_tokens = set()
        self.authorizations = []  # the query of every /authorize
        self.exchanges = []  # the form of every /token
        self.redirect_uri = None  # the builder shows it; /authorize and /token must send exactly it
        super().__init__()

    def refuse(self, status, why, oauth_error="invalid_request"):
        with self.lock:
            self.problems.append(why)
        return status, {}, {"error": oauth_error, "error_description": why}

    def handle(self, request):
        route = (request["method"], request["path"])
        if route == ("GET", "/authorize"):
            return self.authorize(request)
        if route == ("POST", "/token"):
            return self.token(request)
        if route == ("GET", "/api/me"):
            authorization = request["headers"].get("authorization", "")
            if not authorization.startswith("Bearer ") or authorization[len("Bearer "):] not in self.access_tokens:
                return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, {"error": "invalid_token"}
            return 200, {}, self.me
        return 404, {}, {"error": "not_found"}

    def authorize(self, request):
        query = {name: values[0] for name, values in request["query"].items()}
        with self.lock:
            self.authorizations.append(query)
        for name, wanted in (("response_type", "code"), ("client_id", self.client_id), ("code_challenge_method", "S256")):
            if query.get(name) != wanted:
                return self.refuse(400, f"/authorize: {name} is {query.get(name)!r}, not {wanted!r}")
        if self.redirect_uri and query.get("redirect_uri") != self.redirect_uri:
            return self.refuse(400, f"/authorize: redirect_uri is {query.get('redirect_uri')!r}, not the registered {self.redirect_uri!r}")
        if not (query.get("redirect_uri") or "").startswith(("http://", "https://")):
            return self.refuse(400, f"/authorize: redirect_uri {query.get('redirect_uri')!r} is not an absolute URL")
        if not query.get("state"):
            return self.refuse(400, "/authorize: no state")
        if not re.fullmatch(r"[A-Za-z0-9_-]{43}", query.get("code_challenge") or ""):
            return self.refuse(400, f"/authorize: code_challenge {query.get('code_challenge')!r} is not a base64url SHA-256")
        code = "code-" + secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = {"challenge": query["code_challenge"], "redirect_uri": query["redirect_uri"], "client_id": query["client_id"]}
        location = query["redirect_uri"] + ("&" if "?" in query["redirect_uri"] else "?") + urllib.parse.urlencode(
            {"code": code, "state": query["state"]})
        return 302, {"Location": location, "Content-Type": "text/plain"}, b""

    def token(self, request):
        if not request["headers"].get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return self.refuse(400, f"/token: Content-Type {request['headers'].get('content-type')!r}, not a form")
        form = {name: values[0] for name, values in urllib.parse.parse_qs(request["body"].decode()).items()}
        with self.lock:
            self.exchanges.append(form)
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = request["headers"].get("authorization", "")
        if basic.startswith("Basic "):
            pair = base64.b64decode(basic[len("Basic "):]).decode()
            client_id, _, client_secret = (urllib.parse.unquote_plus(part) for part in pair.partition(":"))
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            return self.refuse(401, f"/token: the client is {client_id!r} with secret {'right' if client_secret == self.client_secret else 'wrong'}",
                               "invalid_client")
        if form.get("grant_type") != "authorization_code":
            return self.refuse(400, f"/token: grant_type {form.get('grant_type')!r}", "unsupported_grant_type")
        with self.lock:
            issued = self.codes.pop(form.get("code", ""), None)  # single use
        if issued is None:
            return self.refuse(400, f"/token: the code {form.get('code')!r} was not issued, or was used before", "invalid_grant")
        if form.get("redirect_uri") != issued["redirect_uri"]:
            return self.refuse(400, f"/token: redirect_uri {form.get('redirect_uri')!r} is not the authorization's {issued['redirect_uri']!r}",
                               "invalid_grant")
        verifier = form.get("code_verifier") or ""
        if not re.fullmatch(r"[A-Za-z0-9._~-]{43,128}", verifier):
            return self.refuse(400, f"/token: code_verifier {verifier!r} is not 43 to 128 unreserved characters", "invalid_grant")
        computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        if computed != issued["challenge"]:
            return self.refuse(400, f"/token: base64url(sha256(code_verifier)) is {computed}, not the challenge {issued['challenge']}",
                               "invalid_grant")
        access = "access-" + secrets.token_urlsafe(24)
        with self.lock:
            self.access_tokens.add(access)
        return 200, {}, {"access_token": access, "refresh_token": "refresh-" + secrets.token_urlsafe(24), "expires_in": 3600,
                         "token_type": "Bearer"}


# --- the module ------------------------------------------------------------------------------------------------

def setUpModule():
    global PAGED, OAUTH
    if not h.BASE_URL or not h.ADMIN_TOKEN:
        raise unittest.SkipTest("PATCHBAY_CONSOLE_URL and PATCHBAY_CONSOLE_ADMIN_TOKEN are not set: run scripts/browser-tests")
    ORG["id"] = api("POST", "/v1/organizations", {"name": "Initrode installers"}, expect=(201,)).json["id"]
    PAGED = PagedAPI({TRIAL_KEY, INSTALL_KEY})
    OAUTH = FakeOAuth(CLIENT_ID, CLIENT_SECRET, ME)


def tearDownModule():
    for server in (PAGED, OAUTH):
        if server is not None:
            server.close()


def org():
    return ORG["id"]


def integrations_base():
    return f"/console/orgs/{org()}/integrations"


def integration_json(integration):
    return api("GET", f"/v1/organizations/{org()}/integrations/{integration}").json


def installations_json(integration):
    return api("GET", f"/v1/organizations/{org()}/integrations/{integration}/installations").json["data"]


def main_text(driver):
    return driver.find_element(By.TAG_NAME, "main").text


def alerts(driver):
    """The visible texts of role=alert elements (the form-problems summary, flash errors, a check's problem)."""
    return [e.text.strip() for e in driver.find_elements(By.CSS_SELECTOR, "[role=alert]") if e.is_displayed() and e.text.strip()]


def flashes(driver):
    return [e.text.strip() for e in driver.find_elements(By.CSS_SELECTOR, ".flash[role=status]") if e.is_displayed()]


def wizard_step(driver):
    """The current builder step: (the h2 “Step N of M: Title”, the title of the step link marked aria-current)."""
    heading = driver.find_element(By.ID, "step-title").text.strip()
    current = driver.find_elements(By.CSS_SELECTOR, "nav.wizard-steps a[aria-current=step]")
    return heading, (re.sub(r"^\d+\s*", "", current[0].text.strip()) if current else None)


def action_list(driver):
    """The names in the actions editor's list, in order."""
    return [e.text.strip() for e in driver.find_elements(By.CSS_SELECTOR, "ul.action-list .action-name")]


def run_result(driver):
    """The shown run result (div.run-result, a live region), else fails."""
    found = driver.find_elements(By.CSS_SELECTOR, ".run-result")
    if not found:
        raise AssertionError(f"no run result (.run-result) on {path_of(driver)}; alerts: {alerts(driver)}; main: {main_text(driver)[:600]!r}")
    return found[0]


def result_status(result):
    """The status badge of a run result: the answer's HTTP status."""
    return result.find_element(By.CSS_SELECTOR, "p .badge").text.strip()


def result_body(driver, result):
    """The last response's body as the page holds it (in a closed <details>, so read from the DOM)."""
    return driver.execute_script("return arguments[0].textContent", result.find_element(By.CSS_SELECTOR, "details.response pre"))


def trial_panel(driver, title):
    return panel(driver, title, selector="section")


def tick(driver, label):
    box = field(driver, label)
    if not box.is_selected():
        click(driver, box, navigates=False)
    return box


def connect_answer(driver):
    """For a failure message: the status and Location the server gives the Connect form's post (with the browser's
    session, as the browser would send it), redirects not followed."""
    try:
        form = h.form_of(control(driver, "Connect", selector="button, input[type=submit]"))
        fields = driver.execute_script("return Array.from(new FormData(arguments[0]).entries())", form)
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
        response = h.http("POST", form.get_attribute("action"), urllib.parse.urlencode([tuple(f) for f in fields]).encode(), {
            "Cookie": cookies, "Origin": h.BASE_URL, "Content-Type": "application/x-www-form-urlencoded"})
        return f"{response.status}, Location {response.headers.get('Location')!r}"
    except Exception as error:  # only a diagnosis
        return f"(could not ask: {error})"


class SignedIn(h.BrowserTest):
    """A browser signed in with the admin token for the whole class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            h.sign_in(cls.driver)
            if path_of(cls.driver) == "/console/login":
                raise AssertionError("the admin token did not sign in")
        except BaseException:
            super().tearDownClass()
            raise

    def page(self, name, **options):
        """check_page as a sub-test: a failed check is reported, and the workflow goes on to show what follows. A page
        that is not an error answer (allow_status) must not show an error alert either."""
        d = self.driver
        passed = False
        with self.subTest(page=name):
            self.check_page(name, **options)
            passed = True
        if not passed:  # axe failed before the console was read: read it now, so the next page does not inherit it
            allowed = ({d.current_url} | self.expected_statuses) if options.get("allow_status") else self.expected_statuses
            with self.subTest(page=name, check="browser console"):
                h.assert_no_console_errors(d, f"{name} ({path_of(d)})", allowed)
        if not options.get("allow_status"):
            with self.subTest(page=name, check="no error alert"):
                self.assertEqual(alerts(d), [], f"{name} ({path_of(d)}) shows an error alert though nothing was refused")

    def next_step(self, title, shot, **options):
        """Presses Next; the builder must show the step titled title."""
        press(self.driver, "Next")
        self.assertStep(title)
        self.page(shot, **options)

    def assertStep(self, title):
        heading, current = wizard_step(self.driver)
        self.assertRegex(heading, rf"^Step \d+ of \d+: {re.escape(title)}$", f"on {path_of(self.driver)}")
        self.assertEqual(current, title, "the step list does not mark the current step (aria-current=step)")

    def assertKeyNotShown(self, key, where):
        """The typed secret appears nowhere in the page's HTML (not in a field's value either)."""
        html = self.driver.page_source
        self.assertNotIn(key, html, f"{where} ({path_of(self.driver)}) shows the typed key in its HTML")
        values = self.driver.execute_script("return Array.from(document.querySelectorAll('input')).map(i => i.value)")
        self.assertNotIn(key, values, f"{where}: a field still holds the typed key")

    # Shared steps of both workflows.

    def new_integration(self, name, shot):
        """New Integration (an app user with Actions) → the builder's host step; returns the integration's id."""
        d = self.driver
        self.open(integrations_base())
        press(d, "New Integration")
        self.assertEqual(path_of(d), f"{integrations_base()}/new")
        fill(d, "Name", name)
        bot = field(d, "Bot user")
        if bot.is_selected():
            click(d, bot, navigates=False)
        tick(d, "Actions")
        h.submit(d, field(d, "Name"), ("Save",))
        found = wait_until(lambda: re.search(rf"^{integrations_base()}/(int_[^/]+)/build/host$", path_of(d)), message="the builder's host step")
        self.assertStep("API hostname")
        self.page(shot)
        return found.group(1)

    def add_action(self, base, name, path, paginated, shot):
        """In the actions editor: Add action, then its name, path (GET) and Paginated, Save."""
        d = self.driver
        self.open(f"{base}/actions")
        press(d, "Add action")
        self.assertEqual(path_of(d), f"{base}/actions")
        self.page(f"{shot}-new")
        action_name = field(d, "Name")
        self.assertTrue(action_name.get_attribute("value").startswith("New Action"), action_name.get_attribute("value"))
        action_name.clear()
        action_name.send_keys(name)
        fill(d, "Path", path)
        h.choose(d, "Method", "GET")
        if paginated:
            tick(d, "Paginated (runs follow the integration's pagination)")
        h.submit(d, action_name, ("Save",))
        self.assertEqual(action_list(d), [name])
        self.page(shot)

    def finalize(self, base, shot):
        d = self.driver
        self.open(f"{base}/build/finalize")
        self.assertStep("Finalize")
        self.page(shot)
        click(d, control(d, "Finalize", selector="button, input[type=submit]"), navigates=False)  # not the breadcrumb
        kind = h.confirm_if_asked(d, before_shot=lambda: self.page(f"{shot}-confirm"))
        self.assertIn(kind, ("dialog", "page"))
        h.wait_for_load(d)
        self.assertEqual(path_of(d), base)
        self.assertIn("Published", d.find_element(By.TAG_NAME, "h1").text)
        self.page(f"{shot}-done")

    def install(self, base, credentials, shot):
        """The integration's Install panel: this organization, the credentials {label: value}, Install → the
        installation's page; returns the installation's id."""
        d = self.driver
        self.open(base)
        install = panel(d, "Install")
        h.choose(d, "Organization", org(), install)
        for label, value in credentials.items():
            box = fill(d, label, value, install)
            self.assertEqual(box.get_attribute("type"), "password" if "secret" in label.lower() or "key" in label.lower() else "text",
                             f"the Install panel's “{label}” field")
        self.page(f"{shot}-panel")
        press(d, "Install", install)
        found = wait_until(lambda: re.search(rf"^/console/orgs/{org()}/installations/(ins_[^/]+)$", path_of(d)),
                           message="the installation's page after Install")
        self.assertIn("Installed.", flashes(d))
        self.page(shot)
        return found.group(1)

    def choose_action(self, label, shot):
        d = self.driver
        run = panel(d, "Run an action")
        h.choose(d, "Action", label, run)
        press(d, "Choose", run)
        self.assertIn("action=", d.current_url, "the chosen action is not in the URL")
        self.page(shot)
        return panel(d, "Run an action")


class A_ApiKeyAndPages(SignedIn):
    """An integration with API key auth and Page pagination, built by hand, checked, installed and run; the tests
    run in order and share it."""

    integration = None
    installation = None
    ACTION = "List items"
    CHOICE = "List items — GET /items"

    def base(self):
        if not A_ApiKeyAndPages.integration:
            self.skipTest("the integration was not created (see test_a)")
        return f"{integrations_base()}/{A_ApiKeyAndPages.integration}"

    def test_a_built_by_hand_with_api_key_and_page_pagination(self):
        d = self.driver
        A_ApiKeyAndPages.integration = self.new_integration("Paged Items", "install-paged-host")
        fill(d, "API hostname", PAGED.url)
        self.next_step("Authentication", "install-paged-auth")
        h.choose(d, "Authentication method", "API Key")
        self.next_step("Authentication defaults", "install-paged-auth-defaults")
        self.assertIn("API Key", main_text(d))
        h.choose(d, "Where the key goes", "A request header")
        fill(d, "Header name", "X-Api-Key")
        field(d, "Preamble").clear()
        field(d, "Extra request headers").clear()
        # Before any action, the check says what it needs.
        connection = trial_panel(d, "Test connection")
        self.assertIn("Add a GET action first", connection.text)
        self.next_step("Pagination", "install-paged-pagination")
        h.choose(d, "Pagination type", "Page")
        self.next_step("Pagination details", "install-paged-pagination-details")
        values = {"Results key": "results", "Page parameter": "page", "Page size parameter": "per_page", "Default page size": "2",
                  "Page limit": "3"}
        for label, value in values.items():
            fill(d, label, value)
        self.assertIn("Mark a list action as paginated first", trial_panel(d, "Preview pagination").text)
        self.next_step("Edit Actions", "install-paged-actions-step")
        self.assertEqual(integration_json(A_ApiKeyAndPages.integration)["api"], {
            "baseUrl": PAGED.url, "auth": {"type": "apiKey", "in": "header", "headerName": "X-Api-Key"},
            "pagination": {"type": "page", "resultsKey": "results", "pageParam": "page", "pageSizeParam": "per_page",
                           "defaultPageSize": 2, "pageLimit": 3},
        })

    def test_b_a_paginated_list_action(self):
        base = self.base()
        self.add_action(base, self.ACTION, "/items", True, "install-paged-action")
        actions = api("GET", f"/v1/organizations/{org()}/integrations/{A_ApiKeyAndPages.integration}/actions").json["data"]
        self.assertEqual([(a["name"], a["method"], a["path"], a.get("paginated")) for a in actions], [(self.ACTION, "GET", "/items", True)])

    def test_c_test_connection_with_a_typed_key(self):
        d = self.driver
        self.open(f"{self.base()}/build/auth-settings")
        self.assertStep("Authentication defaults")
        self.page("install-paged-test-connection-form")
        connection = trial_panel(d, "Test connection")
        h.choose(d, "Action", self.CHOICE, connection)
        key = fill(d, "API key", TRIAL_KEY, connection)
        self.assertEqual(key.get_attribute("type"), "password")
        press(d, "Test connection", connection)
        self.assertStep("Authentication defaults")
        result = run_result(d)
        self.assertEqual(result_status(result), "200", result.text)
        self.assertIn('"results"', result_body(d, result))
        self.assertEqual(PAGED.keys_seen[-1:], [TRIAL_KEY], "the paged API did not receive the typed key")
        self.assertKeyNotShown(TRIAL_KEY, "Test connection's result")
        self.page("install-paged-test-connection-200")

        # A wrong key: the API's 401 is the result shown, not a failure of the page.
        connection = trial_panel(d, "Test connection")
        h.choose(d, "Action", self.CHOICE, connection)
        fill(d, "API key", WRONG_KEY, connection)
        press(d, "Test connection", connection)
        self.assertStep("Authentication defaults")
        result = run_result(d)
        self.assertEqual(result_status(result), "401", result.text)
        self.assertIn("unauthorized", result_body(d, result))
        self.assertEqual(PAGED.keys_seen[-1:], [WRONG_KEY])
        self.assertKeyNotShown(WRONG_KEY, "Test connection's 401 result")
        self.page("install-paged-test-connection-401")
        # The check saved nothing: the settings are as the step left them.
        self.assertEqual(integration_json(A_ApiKeyAndPages.integration)["api"]["auth"], {"type": "apiKey", "in": "header", "headerName": "X-Api-Key"})

    def test_d_preview_pagination(self):
        d = self.driver
        self.open(f"{self.base()}/build/pagination-settings")
        self.assertStep("Pagination details")
        self.page("install-paged-preview-form")
        preview = trial_panel(d, "Preview pagination")
        h.choose(d, "Action", self.CHOICE, preview)
        fill(d, "API key", TRIAL_KEY, preview)
        before = len(PAGED.item_requests(TRIAL_KEY))
        press(d, "Preview", preview)
        self.assertStep("Pagination details")
        result = run_result(d)
        self.assertEqual(result_status(result), "200", result.text)
        pages = result.find_elements(By.CSS_SELECTOR, "ol.run-pages > li")
        self.assertEqual([p.find_element(By.TAG_NAME, "strong").text.strip() for p in pages], ["Page 1", "Page 2"], result.text)
        for number, page in enumerate(pages, 1):
            self.assertEqual(page.find_element(By.CSS_SELECTOR, ".items-found").text.strip(), "2 items", f"Page {number}: {page.text}")
        first_next = pages[0].find_elements(By.CSS_SELECTOR, ".next-page mark")
        self.assertTrue(first_next, f"Page 1 shows no highlighted “Next:” ({pages[0].text})")
        self.assertIn("Next:", pages[0].find_element(By.CSS_SELECTOR, ".next-page").text)
        self.assertIn("page=2", first_next[0].text)
        self.assertEqual(PAGED.item_requests(TRIAL_KEY)[before:], [("1", "2"), ("2", "2")], "the preview's requests to the paged API")
        self.assertKeyNotShown(TRIAL_KEY, "Preview pagination's result")
        self.page("install-paged-preview")

    def test_e_finalize(self):
        self.finalize(self.base(), "install-paged-finalize")
        self.assertEqual(integration_json(A_ApiKeyAndPages.integration)["status"], "published")

    def test_f_install_with_a_key_and_run_following_pages(self):
        d = self.driver
        A_ApiKeyAndPages.installation = self.install(self.base(), {"API key": INSTALL_KEY}, "install-paged-installation")
        self.assertIn("ready", d.find_element(By.TAG_NAME, "h1").text)
        self.assertIsNone(control_or_none(d, "Connect"), "an API key installation offers Connect")
        self.assertKeyNotShown(INSTALL_KEY, "the installation's page")
        self.assertEqual([i["state"] for i in installations_json(A_ApiKeyAndPages.integration)], ["ready"])

        run = self.choose_action(self.CHOICE, "install-paged-run-form")
        tick(d, "Follow pages")
        fill(d, "Page limit", "3", run)
        before = len(PAGED.item_requests(INSTALL_KEY))
        press(d, "Run", run)
        result = run_result(d)
        self.assertEqual(result_status(result), "200", result.text)
        summary = result.find_element(By.TAG_NAME, "p").text
        self.assertIn("6 results", summary)
        self.assertIn("3 page(s)", summary)
        self.assertEqual(PAGED.item_requests(INSTALL_KEY)[before:], [("1", "2"), ("2", "2"), ("3", "2")],
                         "the paged API did not see the installed key on pages 1 to 3")
        self.assertKeyNotShown(INSTALL_KEY, "the run's result")
        self.page("install-paged-run-result")


class B_OAuthAuthorizationCode(SignedIn):
    """OAuth 2.0 authorization code, end to end: built, finalized, installed with a client, connected, run."""

    integration = None
    installation = None
    connected = False
    CHOICE = "Me — GET /api/me"

    def base(self):
        if not B_OAuthAuthorizationCode.integration:
            self.skipTest("the integration was not created (see test_a)")
        return f"{integrations_base()}/{B_OAuthAuthorizationCode.integration}"

    def test_a_built_with_the_authorization_code_grant(self):
        d = self.driver
        B_OAuthAuthorizationCode.integration = self.new_integration("Provider Profile", "install-oauth-host")
        fill(d, "API hostname", OAUTH.url)
        self.next_step("Authentication", "install-oauth-auth")
        h.choose(d, "Authentication method", "OAuth 2.0 — authorization code")
        self.next_step("Authentication defaults", "install-oauth-auth-defaults")
        redirect = panel(d, "Redirect URL — register it with the provider:", selector="[role=group]").find_element(By.TAG_NAME, "code")
        redirect_url = redirect.text.strip()
        self.assertTrue(redirect_url.endswith("/oauth/callback"), redirect_url)
        self.assertEqual(redirect_url, h.BASE_URL + "/oauth/callback", "the redirect URL is not this server's callback")
        OAUTH.redirect_uri = redirect_url  # registered: /authorize and /token must send exactly it
        fill(d, "Authorization URL", OAUTH.url + "/authorize")
        fill(d, "Token URL", OAUTH.url + "/token")
        # OAuth is tried for real only after installing.
        self.assertIn("press Connect", trial_panel(d, "Test connection").text)
        self.next_step("Pagination", "install-oauth-pagination")
        h.choose(d, "Pagination type", "None")
        self.next_step("Edit Actions", "install-oauth-actions-step")
        auth = integration_json(B_OAuthAuthorizationCode.integration)["api"]["auth"]
        self.assertEqual((auth["type"], auth.get("grantType"), auth.get("authorizationUrl"), auth.get("tokenUrl")),
                         ("oauth2", "authorization_code", OAUTH.url + "/authorize", OAUTH.url + "/token"))

    def test_b_the_me_action_and_finalize(self):
        base = self.base()
        self.add_action(base, "Me", "/api/me", False, "install-oauth-action")
        self.finalize(base, "install-oauth-finalize")
        self.assertEqual(integration_json(B_OAuthAuthorizationCode.integration)["status"], "published")

    def test_c_install_with_a_client_then_connect(self):
        d = self.driver
        base = self.base()
        B_OAuthAuthorizationCode.installation = self.install(
            base, {"Client ID": CLIENT_ID, "Client secret": CLIENT_SECRET}, "install-oauth-installation")
        self.assertIn("authorization_required", d.find_element(By.TAG_NAME, "h1").text)
        self.assertKeyNotShown(CLIENT_SECRET, "the installation's page")
        installation_path = path_of(d)
        connect = control(d, "Connect", selector="button, input[type=submit]")
        self.assertEqual(h.form_of(connect).get_attribute("method").lower(), "post", "Connect changes state: a form post")

        # Connect → the provider's /authorize → 302 to /oauth/callback → 303 back to the installation's page.
        before = len(OAUTH.authorizations)
        click(d, connect, navigates=False)  # waited for below: a blocked hop must say where the browser stopped
        try:
            wait_until(lambda: path_of(d) == installation_path and "done=connected" in d.current_url
                       and d.execute_script("return document.readyState") == "complete", timeout=h.WAIT,
                       message=f"the browser to come back to {installation_path}?done=connected")
        except AssertionError as error:
            raise AssertionError(f"{error}: it is at {d.current_url}; /authorize was reached {len(OAUTH.authorizations) - before} "
                                 f"time(s); the provider refused {OAUTH.problems}; browser console: {h.console_errors(d)}; "
                                 f"the server itself answers the Connect post with {connect_answer(d)}") from None
        B_OAuthAuthorizationCode.connected = True
        self.assertEqual(OAUTH.problems, [], "the fake provider refused a request")
        self.assertEqual(len(OAUTH.authorizations), before + 1, "the browser did not reach the provider's /authorize")
        self.assertEqual(len(OAUTH.exchanges), 1, "the server did not exchange the code at /token")
        self.assertTrue(any(f.startswith("Connected") for f in flashes(d)), f"no “Connected…” message: {flashes(d)}")
        self.assertIn("ready", d.find_element(By.TAG_NAME, "h1").text)
        self.assertNotIn("authorization_required", main_text(d))
        self.page("install-oauth-connected")
        self.assertEqual([i["state"] for i in installations_json(B_OAuthAuthorizationCode.integration)], ["ready"])

    def test_d_run_me_with_the_access_token(self):
        d = self.driver
        if not B_OAuthAuthorizationCode.connected:
            self.skipTest("not installed and connected (see test_c)")
        self.open(f"/console/orgs/{org()}/installations/{B_OAuthAuthorizationCode.installation}")
        run = self.choose_action(self.CHOICE, "install-oauth-run-form")
        press(d, "Run", run)
        result = run_result(d)
        self.assertEqual(result_status(result), "200", result.text)
        self.assertEqual(json.loads(result_body(d, result)), ME)
        for token in OAUTH.access_tokens:
            self.assertNotIn(token, d.page_source, "the page shows the access token")
        self.page("install-oauth-run-result")


if __name__ == "__main__":
    unittest.main()

"""The console's workflows in headless Chromium, written against shared/API.md ("Console (browser)") and the HTML
conventions of the console: controls are found by their accessible names, every page visited gets an axe check
(WCAG 2.2 AA), a screenshot and a browser-console check (a CSP violation fails). Needs a server started by
scripts/browser-tests (PATCHBAY_CONSOLE_URL, PATCHBAY_CONSOLE_ADMIN_TOKEN)."""

import re
import unittest
import urllib.parse
import urllib.request

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

import console_harness as h
from console_harness import api, click, control, control_or_none, field, field_or_none, fill, panel, path_of, press, row, wait_until

ORGS = {}  # name → id
RECEIVER = None
EVENT_TYPE = "order.created"
EXAMPLE_MARK = "ord_example_42"  # in the event type's example payload, shown in its popover


def setUpModule():
    global RECEIVER
    if not h.BASE_URL or not h.ADMIN_TOKEN:
        raise unittest.SkipTest("PATCHBAY_CONSOLE_URL and PATCHBAY_CONSOLE_ADMIN_TOKEN are not set: run scripts/browser-tests")
    login = h.http("GET", "/console/login")
    if login.status != 200:
        raise AssertionError(f"GET /console/login answers {login.status}, not 200: this server does not serve the console")
    for name in ("Acme", "Globex"):
        ORGS[name] = api("POST", "/v1/organizations", {"name": name}, expect=(201,)).json["id"]
    api("POST", "/v1/event-types", {
        "name": EVENT_TYPE, "description": "A customer placed an order.",
        "schema": {"type": "object", "properties": {"orderId": {"type": "string"}, "total": {"type": "number"}}},
        "example": {"orderId": EXAMPLE_MARK, "total": 42}}, expect=(200, 201, 409))
    RECEIVER = h.Receiver()
    # Globex has things of its own that an Acme portal session must never show.
    globex = f"/v1/organizations/{ORGS['Globex']}"
    api("POST", f"{globex}/webhooks", {"name": "Globex secret hook", "url": RECEIVER.url + "/globex", "eventTypes": []}, expect=(201,))
    api("POST", f"{globex}/tokens", {"name": "Globex secret token"}, expect=(201,))


def tearDownModule():
    if RECEIVER is not None:
        RECEIVER.close()


def acme():
    return ORGS["Acme"]


def token_status(secret):
    """The status of an API call made with secret (401: unknown or revoked; 200/403/404: it authenticates)."""
    return h.http("GET", f"/v1/organizations/{acme()}", headers={"Authorization": f"Bearer {secret}"}).status


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


class A_SignIn(h.BrowserTest):
    def setUp(self):
        super().setUp()
        self.driver.delete_all_cookies()

    def test_a_security_headers(self):
        response = h.http("GET", "/console/login")
        csp = response.headers.get("Content-Security-Policy", "")
        for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'", "form-action 'self'", "base-uri 'none'"):
            self.assertIn(directive, csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        self.assertTrue("frame-ancestors" in csp or response.headers.get("X-Frame-Options"), "no frame-ancestors nor X-Frame-Options")
        self.assertEqual(response.headers.get("Referrer-Policy"), "no-referrer")
        self.assertIn("no-store", response.headers.get("Cache-Control", ""))

    def test_b_a_wrong_token_is_refused_with_a_message(self):
        d = self.driver
        self.open("/console/login")
        self.check_page("login", phone=True, dark=True)
        fill(d, "Access token", "pb_" + "x" * 43)
        click(d, control(d, "Sign in"))
        message = wait_until(lambda: [e for e in d.find_elements(By.CSS_SELECTOR, "[role=alert], .flash.error, .field .error")
                                      if e.is_displayed() and e.text.strip()], message="an error message after a wrong token")
        self.assertTrue(message)
        self.assertIsNotNone(field_or_none(d, "Access token"), "the sign-in form is shown again")
        self.check_page("login-wrong-token", allow_status=True)
        status, location = h.page_status(d, f"/console/orgs/{acme()}")
        self.assertTrue(status in (401, 403) or (status in (302, 303, 307) and "/console/login" in (location or "")),
                        f"after a failed sign-in the console answers {status} {location}")

    def test_c_the_admin_token_signs_in(self):
        d = self.driver
        self.sign_in()
        path = path_of(d)
        self.assertTrue(path == "/console" or path.startswith("/console/orgs/"), f"signed in, landed on {path}")
        if path == "/console":  # the admin reaches every organization: the list shows both
            for name, org in ORGS.items():
                link = control(d, name)
                self.assertTrue(link.get_attribute("href").endswith(f"/console/orgs/{org}"), link.get_attribute("href"))
        self.check_page("console-home", phone=True, dark=True)
        cookies = d.get_cookies()
        self.assertTrue(cookies, "no session cookie")
        for cookie in cookies:
            self.assertTrue(cookie.get("httpOnly"), f"cookie {cookie['name']} is not HttpOnly")
            self.assertEqual(cookie.get("sameSite"), "Strict", f"cookie {cookie['name']}")
        # Signing out ends the session.
        press(d, "Sign out")
        self.assertEqual(path_of(d), "/console/login")
        status, location = h.page_status(d, f"/console/orgs/{acme()}")
        self.assertTrue(status in (401, 403) or (status in (302, 303, 307) and "/console/login" in (location or "")),
                        f"after signing out the console answers {status} {location}")


class B_Tokens(SignedIn):
    def test_create_show_once_rename_revoke(self):
        d = self.driver
        tokens = f"/console/orgs/{acme()}/tokens"
        self.open(tokens)
        self.check_page("tokens", phone=True, dark=True)

        press(d, "Create a token")
        name = field(d, "Name")
        self.check_page("token-new")
        name.clear()
        name.send_keys("CI deploy")
        h.submit(d, name, ("Save",))
        secret_element = wait_until(lambda: d.find_elements(By.ID, "secret-value"), message="#secret-value")[0]
        secret = secret_element.text.strip()
        self.assertTrue(secret.startswith(h.TOKEN_PREFIX), f"the secret shown is {secret[:6]}…, not a {h.TOKEN_PREFIX} token")
        self.assertNotEqual(token_status(secret), 401, "the token shown does not authenticate over the API")
        self.check_page("token-created")

        press(d, "Done")
        self.assertIsNotNone(wait_until(lambda: row(d, "CI deploy"), message="the new token in the list"))
        d.refresh()
        h.wait_for_load(d)
        self.assertFalse(d.find_elements(By.ID, "secret-value"), "the secret is shown again after a reload")
        self.assertNotIn(secret, d.page_source)
        self.assertNotIn(secret[len(h.TOKEN_PREFIX) + 12:], d.page_source, "the secret's tail is in the page")

        rename = h.row_action(d, row(d, "CI deploy"), "Rename")
        self.check_page("token-menu-open")
        click(d, rename, navigates=h.navigates(d, rename))
        name = field(d, "Name")
        self.check_page("token-rename")
        name.clear()
        name.send_keys("Release bot")
        h.submit(d, name, ("Save",))
        wait_until(lambda: row(d, "Release bot"), message="the renamed token in the list")
        self.assertIsNone(row(d, "CI deploy"))
        names = [t["name"] for t in api("GET", f"/v1/organizations/{acme()}/tokens").json["data"]]
        self.assertIn("Release bot", names)
        self.check_page("tokens-after-rename")

        revoke = h.row_action(d, row(d, "Release bot"), "Revoke")
        click(d, revoke, navigates=False)
        kind = h.confirm_if_asked(d, before_shot=lambda: self.check_page("token-revoke-confirm"))
        self.assertIn(kind, ("dialog", "page"))
        h.wait_for_load(d)
        if path_of(d) != tokens:
            self.open(tokens)
        revoked = row(d, "Release bot")
        self.assertTrue(revoked is None or "revoked" in revoked.text.lower(), f"the row after revoking: {revoked.text if revoked else ''}")
        self.assertEqual(token_status(secret), 401, "a revoked token still authenticates")
        self.check_page("tokens-after-revoke")


class C_WebHooks(SignedIn):
    def test_a_web_hook_from_creation_to_resend(self):
        d = self.driver
        org = acme()
        self.open(f"/console/orgs/{org}/webhooks")
        self.check_page("webhooks-empty", phone=True, dark=True)

        press(d, "Add a web hook")
        name = field(d, "Name")
        self.check_page("webhook-new")
        name.clear()
        name.send_keys("Acme orders")
        fill(d, "URL", RECEIVER.url + "/hooks/acme")
        h.submit(d, name, ("Save",))
        wait_until(lambda: re.search(rf"^/console/orgs/{org}/webhooks/wh_[^/]+$", path_of(d)), message="the web hook's page")
        wh = path_of(d).rsplit("/", 1)[1]
        self.check_page("webhook", phone=True, dark=True)

        # Event types: the ? of one shows its description and example payload on hover.
        types = panel(d, "Event Types")
        box = field_or_none(d, EVENT_TYPE, types) or types.find_element(By.CSS_SELECTOR, f"input[type=checkbox][value='{EVENT_TYPE}']")
        self.assertEqual(box.get_attribute("type"), "checkbox")
        help_summary = control(d, f"About {EVENT_TYPE}", types)
        help_details = help_summary.find_element(By.XPATH, "..")
        item = d.execute_script("return arguments[0].closest('.event-type')", help_details)
        self.assertIsNotNone(item, "the event type's help is not inside an .event-type element")
        ActionChains(d).move_to_element(item).perform()
        wait_until(lambda: help_details.get_attribute("open") is not None, message="the popover to open on hover")
        popover = help_details.find_element(By.CSS_SELECTOR, ".popover")
        wait_until(popover.is_displayed, message="the popover to show")
        self.assertIn(EXAMPLE_MARK, popover.text, "the popover does not show the example payload")
        self.check_page("webhook-event-type-popover")
        ActionChains(d).move_to_element(d.find_element(By.TAG_NAME, "h1")).perform()
        wait_until(lambda: help_details.get_attribute("open") is None, message="the popover to close when the pointer leaves")

        if not box.is_selected():
            d.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
            box.click()
        h.submit(d, box, ("Save",))
        types = panel(d, "Event Types")
        box = field_or_none(d, EVENT_TYPE, types) or types.find_element(By.CSS_SELECTOR, f"input[type=checkbox][value='{EVENT_TYPE}']")
        self.assertTrue(box.is_selected(), "the event type is not checked after saving")

        maximum = fill(d, "Max events per request", "2")
        h.submit(d, maximum, ("Save",))
        self.assertEqual(field(d, "Max events per request").get_attribute("value"), "2")
        stored = api("GET", f"/v1/organizations/{org}/webhooks/{wh}").json
        self.assertEqual(stored.get("eventTypes"), [EVENT_TYPE])
        self.assertEqual(stored.get("maxEventsPerRequest"), 2)
        self.check_page("webhook-saved")

        event = api("POST", f"/v1/organizations/{org}/events", {"type": EVENT_TYPE, "data": {"orderId": "o-1", "total": 10}},
                    expect=(202,)).json["id"]

        # The history also holds the handshake's delivery: find the event's own.
        def delivery_link():
            deliveries = api("GET", f"/v1/organizations/{org}/webhooks/{wh}/deliveries").json["data"]
            mine = [x["id"] for x in deliveries if event in x.get("eventIds", [])]
            if not mine:
                return None
            d.refresh()
            h.wait_for_load(d)
            links = panel(d, "Web Hook History").find_elements(By.CSS_SELECTOR, f"a[href$='/deliveries/{mine[0]}']")
            return links[0] if links else None
        link = wait_until(delivery_link, timeout=10, interval=1, message="the event's delivery in the Web Hook History")
        self.check_page("webhook-history")
        click(d, link)
        self.assertRegex(path_of(d), rf"^/console/orgs/{org}/webhooks/{wh}/deliveries/dlv_[^/]+$")
        self.check_page("delivery", phone=True, dark=True)
        self.assertIsNotNone(control(d, "Copy as cURL"))

        wait_until(lambda: len(RECEIVER.received("/hooks/acme")) >= 1, message="the first delivery at the receiver")
        press(d, "Re-send")
        h.confirm_if_asked(d, required=False, before_shot=lambda: self.check_page("delivery-resend-confirm"))
        h.wait_for_load(d)
        self.check_page("delivery-after-resend")
        got = wait_until(lambda: (lambda r: r if len(r) >= 2 else None)(RECEIVER.received("/hooks/acme")),
                         message="the re-sent delivery at the receiver")
        secret = next(v for v in api("GET", f"/v1/organizations/{org}/webhooks/{wh}/secret").json.values()
                      if isinstance(v, str) and v.startswith(h.SIGNING_SECRET_PREFIX))
        for request in got:
            self.assertTrue(request["headers"].get("webhook-signature", "").startswith("v1,"), request["headers"])
            self.assertTrue(h.verify_signature(secret, request["headers"], request["body"]), "a delivery's signature does not verify")
            self.assertIn(EVENT_TYPE, request["body"].decode())
        self.assertEqual(got[0]["headers"]["webhook-id"], got[1]["headers"]["webhook-id"], "a re-send keeps the delivery's webhook-id")

        self.open(f"/console/orgs/{org}/webhooks")
        self.assertIsNotNone(row(d, "Acme orders"))
        self.check_page("webhooks", phone=True, dark=True)

    def test_b_keyboard_shortcuts(self):
        d = self.driver
        self.open(f"/console/orgs/{acme()}/webhooks")
        d.execute_script("document.activeElement && document.activeElement.blur()")
        ActionChains(d).send_keys("/").perform()
        focused = wait_until(lambda: d.execute_script(
            "const e = document.activeElement; return e && e.matches('input[type=search]') ? e : null"), message="/ to focus the search")
        self.assertEqual(focused.get_attribute("value"), "", "the / was typed into the search field")
        d.execute_script("document.activeElement.blur()")
        ActionChains(d).send_keys("?").perform()
        dialog = d.find_element(By.CSS_SELECTOR, "dialog#shortcuts")
        wait_until(lambda: dialog.get_attribute("open") is not None, message="? to open the shortcuts dialog")
        self.check_page("shortcuts-dialog")
        click(d, control(d, "Close", dialog), navigates=False)
        wait_until(lambda: dialog.get_attribute("open") is None, message="Close to close the shortcuts dialog")


class D_Integrations(SignedIn):
    def test_create_an_endpoint_integration(self):
        d = self.driver
        org = acme()
        self.open(f"/console/orgs/{org}/integrations")
        self.check_page("integrations", phone=True, dark=True)
        # "Create Integration" leads to the Turn-style endpoint form (perhaps through "New Integration").
        for _ in range(3):
            if field_or_none(d, "API Token") is not None:
                break
            link = control_or_none(d, "Create Integration", selector="a[href]") or control_or_none(d, "New Integration")
            self.assertIsNotNone(link, f"no “Create Integration” link on {path_of(d)}: {h.control_names(d)}")
            click(d, link, navigates=h.navigates(d, link))
        name = field(d, "Name")
        self.check_page("integration-new")
        name.clear()
        name.send_keys("Acme endpoint")
        fill(d, "URL", RECEIVER.url + "/endpoint")
        h.choose(d, "HTTP Authentication type", "Bearer")
        fill(d, "API Token", "endpoint-token-123")
        h.submit(d, name, ("Create Integration", "Save"))
        wait_until(lambda: re.search(rf"^/console/orgs/{org}/integrations/int_[^/]+$", path_of(d)), message="the integration's page")
        secret = wait_until(lambda: d.find_elements(By.ID, "secret-value"), message="#secret-value")[0].text.strip()
        self.assertTrue(secret.startswith(h.SIGNING_SECRET_PREFIX), f"the secret shown starts {secret[:6]}…")
        self.assertIn("handshake", d.find_element(By.TAG_NAME, "main").text.lower(), "the page does not report the handshake")
        self.check_page("integration-created", phone=True)
        calls = RECEIVER.received("/endpoint", events_only=False)
        self.assertTrue(calls, "the endpoint got no handshake")
        self.assertEqual(calls[0]["headers"].get("authorization"), "Bearer endpoint-token-123")
        d.refresh()
        h.wait_for_load(d)
        self.assertFalse(d.find_elements(By.ID, "secret-value"), "the secret is shown again after a reload")
        self.assertNotIn(secret, d.page_source)
        names = [i["name"] for i in api("GET", f"/v1/organizations/{org}/integrations").json["data"]]
        self.assertIn("Acme endpoint", names)


class E_PortalLink(h.BrowserTest):
    def test_a_portal_link_signs_in_once_to_its_organization_only(self):
        d = self.driver
        org, other = acme(), ORGS["Globex"]
        link = api("POST", f"/v1/organizations/{org}/console-links", {"expiresIn": 600}, expect=(201,)).json
        # The server was started without --public-url: the link's origin may not be the one it listens on.
        parts = urllib.parse.urlsplit(link["url"])
        url = h.BASE_URL + parts.path + (f"?{parts.query}" if parts.query else "")
        self.open(url)
        self.assertTrue(path_of(d).startswith(f"/console/orgs/{org}"), f"the portal link landed on {path_of(d)}")
        self.check_page("portal-landing", phone=True)
        self.assertNotIn("Globex", d.page_source)

        for shot, path in (("portal-other-org-404", f"/console/orgs/{other}"),
                           ("portal-other-org-webhooks-404", f"/console/orgs/{other}/webhooks"),
                           ("portal-other-org-tokens-404", f"/console/orgs/{other}/tokens")):
            self.open(path, expect_status=404)
            for secret in ("Globex", "Globex secret hook", "Globex secret token"):
                self.assertNotIn(secret, d.page_source, f"{path} shows {secret}")
            self.check_page(shot, allow_status=True)
        self.open("/console")
        self.assertNotIn("Globex", d.page_source)

        # A second use of the same link, in another fresh browser, signs nobody in.
        second = h.new_driver()
        try:
            second.get(url)
            h.wait_for_load(second)
            self.assertFalse(path_of(second).startswith(f"/console/orgs/{org}"), "the portal link worked twice")
            status, location = h.page_status(second, f"/console/orgs/{org}")
            self.assertTrue(status in (401, 403) or (status in (302, 303, 307) and "/console/login" in (location or "")),
                            f"after a reused portal link the console answers {status} {location}")
            h.shot(second, "portal-link-reused")
            h.axe_check(second, "portal-link-reused")
            h.assert_no_console_errors(second, "the reused portal link", allow_status_of={url, second.current_url})
        finally:
            second.quit()


class F_Pages(SignedIn):
    def test_every_section_page_renders_accessibly(self):
        d = self.driver
        org = acme()
        for name, path in (("overview", f"/console/orgs/{org}"), ("inbound", f"/console/orgs/{org}/inbound"),
                           ("commands", f"/console/orgs/{org}/commands"), ("event-types", "/console/event-types")):
            self.open(path)
            self.assertEqual(h.page_status(d, path)[0], 200, path)
            self.check_page(name, phone=True, dark=name == "overview")
            if name == "event-types":
                self.assertIn(EVENT_TYPE, d.find_element(By.TAG_NAME, "main").text)

    def test_inbound_endpoint_and_installation_pages(self):
        d = self.driver
        org = acme()
        inbound = api("POST", f"/v1/organizations/{org}/inbound-webhooks",
                      {"name": "Stripe events", "eventType": EVENT_TYPE, "verification": {"scheme": "none"}}).json
        received = urllib.request.Request(h.BASE_URL + inbound["url"],
                                          data=b'{"orderId":"in-1"}', headers={"Content-Type": "application/json"}, method="POST")
        try:
            urllib.request.urlopen(received, timeout=10).read()
        except Exception:
            pass  # the page is checked either way; the request list may be empty
        self.open(f"/console/orgs/{org}/inbound")
        press(d, "Stripe events")
        wait_until(lambda: "/inbound/inb_" in path_of(d), message="the inbound endpoint's page")
        self.check_page("inbound-detail")
        integration = api("POST", f"/v1/organizations/{org}/integrations", {"name": "Installed app"}).json
        api("POST", f"/v1/organizations/{org}/integrations/{integration['id']}/finalize", {})
        installation = api("POST", f"/v1/organizations/{org}/integrations/{integration['id']}/installations", {}).json
        self.open(f"/console/orgs/{org}/integrations/{integration['id']}")
        self.check_page("integration")
        self.open(f"/console/orgs/{org}/installations/{installation['id']}")
        self.assertIn("Installed app", d.find_element(By.TAG_NAME, "h1").text)
        self.check_page("installation")


if __name__ == "__main__":
    unittest.main()

"""The harness checks itself on static pages served by http.server under the console's Content-Security-Policy:
Chromium starts, controls are found by accessible name, axe passes a clean page and reports an injected
violation, a CSP violation reaches the browser log and fails the check, screenshots are PNGs of the right size,
and the 390 px viewport and dark scheme take effect. None of it needs the Patchbay server."""

import os
import struct
import tempfile
import threading
import unittest
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import console_harness as h

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")

HEAD = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · Harness</title>
<link rel="stylesheet" href="/site.css"></head><body>
<main id="main"><h1>{title}</h1>"""
TAIL = "</main></body></html>"

PAGES = {
    "good.html": HEAD.format(title="Good") + """
<section class="panel" aria-labelledby="t-title"><div class="panel-head"><h2 id="t-title">Access Tokens</h2>
<a class="button" href="/good.html?new">Create a token</a></div>
<form class="stack" method="get" action="/good.html"><div class="field"><label for="name">Name</label>
<input id="name" name="name"></div><div class="field"><label for="kind">HTTP Authentication type</label>
<select id="kind" name="kind"><option value="bearer">BEARER</option><option value="token">TOKEN</option></select></div>
<div class="form-actions"><button class="button primary" type="submit">Save</button></div></form>
<table class="data"><thead><tr><th scope="col">Name</th><th scope="col">Actions</th></tr></thead><tbody>
<tr><td><a href="/good.html?t=1">CI deploy</a></td><td><details class="menu">
<summary class="button subtle" aria-label="Actions for CI deploy">⚙ Actions</summary><div class="menu-items">
<a href="/good.html?rename">Rename</a></div></details></td></tr></tbody></table>
<button type="button" class="button"><span aria-hidden="true">🔍</span> Search</button></section>""" + TAIL,
    # An image without alt text and a button without a name: axe must report image-alt and button-name.
    "bad.html": HEAD.format(title="Bad") + """<p>Below: two violations.</p>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="20" height="20"><button type="button"></button>""" + TAIL,
    # An inline script, an inline <style> and a style attribute: three CSP violations.
    "csp.html": HEAD.format(title="CSP") + """<p class="x" style="color: red">Inline style attribute.</p>
<style>.x { color: blue }</style><script>document.title = 'inline ran';</script>""" + TAIL,
    "wide.html": HEAD.format(title="Wide") + """<p class="wide">A paragraph that is far too wide.</p>""" + TAIL,
    "site.css": """body { font-family: system-ui, sans-serif; margin: 1rem; color: #111; background: #fff; }
@media (prefers-color-scheme: dark) { body { color: #eee; background: #111; } a { color: #9cf; } }
.button, button, summary, td a, .menu-items a { display: inline-block; min-height: 24px; min-width: 24px;
  padding: 4px 8px; margin: 2px; box-sizing: border-box; }
.wide { width: 1200px; } .menu-items { padding: .5rem; }""",
}


class Handler(SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, *args):
        pass


class HarnessSelfTest(h.BrowserTest):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        for name, text in PAGES.items():
            with open(os.path.join(cls.folder.name, name), "w", encoding="utf-8") as file:
                file.write(text)
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=cls.folder.name))
        cls.base = f"http://127.0.0.1:{cls.server.server_address[1]}"
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.server.shutdown()
        cls.server.server_close()
        cls.folder.cleanup()

    def test_clean_page_passes_and_controls_are_found_by_name(self):
        self.open(self.base + "/good.html")
        d = self.driver
        self.assertEqual(d.execute_script("return [window.innerWidth, window.innerHeight]"), list(h.DESKTOP))
        self.check_page("harness-good", phone=True, dark=True)
        # By text, by aria-label, by label; an aria-hidden icon is not part of the name.
        self.assertEqual(h.control(d, "Create a token").tag_name, "a")
        self.assertEqual(h.control(d, "Search").tag_name, "button")
        row = h.row(d, "CI deploy")
        summary = h.control(d, "Actions for CI deploy", row)
        self.assertEqual(summary.tag_name, "summary")
        self.assertEqual(h.control(d, "⚙ Actions", row), summary)  # its visible text finds it too
        # The name the browser computes (WebDriver “computed label”) agrees with the harness's.
        for element in (h.control(d, "Search"), summary, h.field(d, "Name")):
            self.assertEqual(" ".join(element.accessible_name.split()), h.accessible_name(d, element))
        # A control inside a closed menu is not visible until row_action opens the menu.
        self.assertIsNone(h.control_or_none(d, "Rename"))
        self.assertEqual(h.row_action(d, row, "Rename").text, "Rename")
        h.fill(d, "Name", "hello")
        h.choose(d, "HTTP Authentication type", "Token")
        h.submit(d, h.field(d, "Name"))
        self.assertIn("name=hello", d.current_url)
        self.assertIn("kind=token", d.current_url)
        with self.assertRaisesRegex(AssertionError, "no visible control named “Nope”.*Create a token"):
            h.control(d, "Nope", timeout=0.2)

    def test_axe_reports_an_injected_violation(self):
        self.open(self.base + "/bad.html")
        with self.assertRaises(AssertionError) as raised:
            h.axe_check(self.driver, "harness-bad")
        report = str(raised.exception)
        self.assertIn("image-alt", report)
        self.assertIn("button-name", report)
        self.assertIn("[critical]", report)
        self.assertIn("img", report)  # the target selector
        h.shot(self.driver, "harness-bad")

    def test_a_csp_violation_fails_the_console_check(self):
        self.open(self.base + "/csp.html")
        self.assertEqual(self.driver.title, "CSP · Harness", "the inline script must have been blocked")
        with self.assertRaises(AssertionError) as raised:
            h.assert_no_console_errors(self.driver, "csp.html")
        report = str(raised.exception)
        self.assertIn("Content-Security-Policy violation", report)
        self.assertIn("script-src", report)
        self.assertIn("style-src", report)

    def test_expected_4xx_of_the_page_is_allowed_but_not_others(self):
        missing = self.base + "/missing.html"
        self.driver.get(missing)
        h.wait_for_load(self.driver)
        self.assertEqual(h.console_errors(self.driver, allow_status_of={missing}), [])
        self.driver.get(missing)
        h.wait_for_load(self.driver)
        errors = h.console_errors(self.driver)
        self.assertTrue(any("404" in e for e in errors), errors)

    def test_screenshots_are_pngs_of_the_viewport_width(self):
        self.open(self.base + "/good.html")
        for name, size in (("harness-desktop", h.DESKTOP), ("harness-phone", h.PHONE)):
            h.set_viewport(self.driver, size)
            self.assertEqual(self.driver.execute_script("return [window.innerWidth, window.innerHeight]"), list(size))
            path = h.shot(self.driver, name)
            with open(path, "rb") as file:
                header = file.read(24)
            self.assertEqual(header[:8], b"\x89PNG\r\n\x1a\n")
            width, height = struct.unpack(">II", header[16:24])
            self.assertEqual(width, size[0])
            self.assertGreater(height, 100)
        h.set_viewport(self.driver)

    def test_sideways_scrolling_at_phone_width_is_caught(self):
        self.open(self.base + "/wide.html")
        h.set_viewport(self.driver, h.PHONE)
        with self.assertRaisesRegex(AssertionError, "scrolls sideways.*p.wide"):
            h.no_horizontal_overflow(self.driver)
        h.set_viewport(self.driver)

    def test_receiver_and_signature_check(self):
        receiver = h.Receiver()
        try:
            secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
            body = b'{"type":"order.created"}'
            import base64, hashlib, hmac
            signature = base64.b64encode(hmac.new(base64.b64decode(secret[6:]), b"msg_1.1700000000." + body, hashlib.sha256).digest()).decode()
            headers = {"webhook-id": "msg_1", "webhook-timestamp": "1700000000", "webhook-signature": f"v1,{signature}"}
            response = h.http("POST", receiver.url + "/hook", body, headers)
            self.assertEqual(response.status, 200)
            challenge = h.http("POST", receiver.url + "/hook", {"type": "webhook.handshake", "data": {"challenge": "abc"}})
            self.assertEqual(challenge.json, {"challenge": "abc"})
            got = receiver.received("/hook")
            self.assertEqual(len(got), 1)
            self.assertTrue(h.verify_signature(secret, got[0]["headers"], got[0]["body"]))
            self.assertFalse(h.verify_signature(secret, got[0]["headers"], got[0]["body"] + b" "))
        finally:
            receiver.close()


if __name__ == "__main__":
    unittest.main()

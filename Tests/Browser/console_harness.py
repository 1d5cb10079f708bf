"""Helpers for the console's real-browser tests: headless Chromium through Selenium 4, axe-core, screenshots,
browser-log checks (a Content-Security-Policy violation fails), controls found by their accessible names, the
HTTP API over urllib, and a loopback receiver for web hooks and endpoint integrations.

scripts/browser-tests sets the environment these read:
  PATCHBAY_CONSOLE_URL          base URL of a running server (http://127.0.0.1:PORT), for the console tests
  PATCHBAY_CONSOLE_ADMIN_TOKEN  an admin token of that server
  AXE_JS                        path of axe.min.js
  CHROMIUM_BIN, CHROMEDRIVER_BIN (default /usr/bin/chromium, /usr/bin/chromedriver)
  CONSOLE_SCREENSHOTS           folder for the PNGs (default console-screenshots)
"""

import base64
import hashlib
import hmac
import json
import os
import re
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE_URL = os.environ.get("PATCHBAY_CONSOLE_URL", "").rstrip("/")
ADMIN_TOKEN = os.environ.get("PATCHBAY_CONSOLE_ADMIN_TOKEN", "")
AXE_JS = os.environ.get("AXE_JS", "")
CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
SCREENSHOTS = os.path.abspath(os.environ.get("CONSOLE_SCREENSHOTS", "console-screenshots"))

DESKTOP = (1280, 900)
PHONE = (390, 844)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# The token secret's tag (PatchbayCore TokenSecret.tag) and the webhook/endpoint signing secret's.
TOKEN_PREFIX = "pb_"
SIGNING_SECRET_PREFIX = "whsec_"
WAIT = 10  # seconds: page loads, dialogs, deliveries


# --- the browser -----------------------------------------------------------------------------------------------

def new_driver():
    """A fresh headless Chromium (its own profile, so no cookies) at 1280x900, logging the console."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
        "--force-device-scale-factor=1",
        "--lang=en-US",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-sync",
        "--disable-features=Translate,MediaRouter,OptimizationHints",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=CHROMEDRIVER, log_output=os.devnull)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_window_size(DESKTOP[0], DESKTOP[1] + 200)
    set_viewport(driver)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    return driver


def path_of(driver):
    return urllib.parse.urlsplit(driver.current_url).path


def wait_until(condition, timeout=WAIT, message="condition", interval=0.1):
    """Polls condition() until it returns something truthy (returned), or fails the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except (StaleElementReferenceException, WebDriverException) as error:  # a page that changed under us
            last_error = error
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}" + (f" (last error: {last_error.msg})" if last_error else ""))
        time.sleep(interval)


def wait_for_load(driver):
    wait_until(lambda: driver.execute_script("return document.readyState") == "complete", message="the page to load")


def click(driver, element, navigates=True):
    """Clicks element; when it navigates (a link, a submit), waits for the next document to finish loading."""
    # A mark on the current window tells the documents apart: every new document starts without it.
    # (Polling an old element for staleness raced Chromium's inspector: "Node with given id does not
    # belong to the document" is raised instead of a stale-element error while the page is swapped.)
    mark = None
    if navigates:
        mark = "pb-%d" % time.monotonic_ns()
        driver.execute_script("window.__pbMark = arguments[0]", mark)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()
    if navigates:
        try:
            WebDriverWait(driver, WAIT).until(lambda d: _left_document(d, mark))
        except TimeoutException:
            raise AssertionError(f"clicking {describe(element)} did not load a new page") from None
        wait_for_load(driver)


def _left_document(driver, mark):
    try:
        return driver.execute_script("return window.__pbMark") != mark
    except WebDriverException:  # the document is being swapped; ask again
        return False


def describe(element):
    try:
        return element.get_attribute("outerHTML")[:200]
    except WebDriverException:
        return "<gone>"


# --- finding controls by accessible name -------------------------------------------------------------------------

# An approximation of the accessible-name computation (aria-labelledby, aria-label, <label>, value of input
# buttons, then the rendered text without aria-hidden parts, img alt and svg <title>), and of visibility.
_FIND_JS = r"""
const [scope, selector, wanted, mode] = arguments;
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
function hidden(el) {
  if (el.nodeType !== 1) return false;
  if (el.hidden || el.getAttribute('aria-hidden') === 'true') return true;
  const style = getComputedStyle(el);
  return style.display === 'none';
}
function text(node) {
  if (node.nodeType === 3) return node.textContent;
  if (node.nodeType !== 1 || hidden(node)) return '';
  if (node.tagName === 'IMG') return node.getAttribute('alt') || '';
  if (node.tagName.toLowerCase() === 'svg') { const t = node.querySelector('title'); return t ? t.textContent : ''; }
  let s = '';
  for (const child of node.childNodes) s += ' ' + text(child);
  return s;
}
function name(el) {
  const ids = el.getAttribute('aria-labelledby');
  if (ids) return norm(ids.split(/\s+/).map(id => { const e = document.getElementById(id); return e ? text(e) : ''; }).join(' '));
  const label = el.getAttribute('aria-label');
  if (label && label.trim()) return norm(label);
  if (el.labels && el.labels.length) return norm(Array.from(el.labels).map(text).join(' '));
  if (el.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(el.type)) return norm(el.value);
  if (['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)) return norm(el.getAttribute('title'));
  return norm(text(el)) || norm(el.getAttribute('title'));
}
function visible(el) {
  if (!el.getClientRects().length) return false;
  if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true, opacityProperty: true})) return false;
  // Inside a closed <details> only its <summary> shows.
  for (let d = el.closest('details:not([open])'); d; d = d.parentElement && d.parentElement.closest('details:not([open])')) {
    const summary = d.querySelector(':scope > summary');
    if (!(summary && (summary === el || summary.contains(el)))) return false;
  }
  return getComputedStyle(el).visibility !== 'hidden';
}
const root = scope || document;
const out = [];
for (const el of root.querySelectorAll(selector)) {
  if (!visible(el)) continue;
  const n = name(el), t = norm(text(el));
  if (mode === 'exact' ? (n === wanted || t === wanted) : (n.startsWith(wanted) || t.startsWith(wanted))) out.push(el);
}
return out;
"""

_NAME_JS = _FIND_JS.split("const root =")[0] + "return name(arguments[4]);"

CONTROL = "a[href], button, input[type=submit], input[type=button], input[type=reset], summary, [role=button], [role=link], [role=menuitem], [role=tab]"
FIELD = "input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]), select, textarea"


def accessible_name(driver, element):
    """The accessible name of element as _FIND_JS computes it."""
    return driver.execute_script(_NAME_JS, None, "*", "", "exact", element)


def find_all(driver, name, selector=CONTROL, scope=None, exact=True):
    return driver.execute_script(_FIND_JS, scope, selector, name, "exact" if exact else "prefix")


def control_or_none(driver, name, scope=None, selector=CONTROL):
    """The first visible button/link/summary whose accessible name or text is name (exactly), else None."""
    found = find_all(driver, name, selector, scope)
    return found[0] if found else None


def control(driver, name, scope=None, selector=CONTROL, timeout=3):
    """The first visible button/link/summary named name; waits a little (the script may unhide it); else fails."""
    try:
        return wait_until(lambda: control_or_none(driver, name, scope, selector), timeout=timeout, message=f"a control named “{name}”")
    except AssertionError:
        raise AssertionError(f"no visible control named “{name}” on {path_of(driver)}; controls there: {control_names(driver, scope)}") from None


def control_names(driver, scope=None):
    names = driver.execute_script(
        _FIND_JS.replace("if (mode === 'exact'", "out.push(name(el) || t); continue;\n  if (mode === 'exact'"), scope, CONTROL, "", "exact")
    return sorted(set(n for n in names if n))


def field_or_none(driver, label, scope=None):
    """The visible form field whose label (or aria-label) is label: exact, else a unique one starting with it."""
    found = find_all(driver, label, FIELD, scope)
    if not found:
        found = find_all(driver, label, FIELD, scope, exact=False)
        if len(found) > 1:
            return None
    return found[0] if found else None


def field(driver, label, scope=None, timeout=3):
    try:
        return wait_until(lambda: field_or_none(driver, label, scope), timeout=timeout, message=f"a field labelled “{label}”")
    except AssertionError:
        labels = driver.execute_script("return Array.from(document.querySelectorAll('label, legend')).map(l => l.textContent.replace(/\\s+/g, ' ').trim())")
        raise AssertionError(f"no visible field labelled “{label}” on {path_of(driver)}; labels there: {labels}") from None


def fill(driver, label, value, scope=None):
    element = field(driver, label, scope)
    element.clear()
    element.send_keys(value)
    return element


def choose(driver, label, option, scope=None):
    """Picks option (case-insensitively, by text or value) in the select labelled label, or the radio button named
    option inside the fieldset whose legend is label."""
    element = field_or_none(driver, label, scope)
    if element is not None and element.tag_name == "select":
        chosen = driver.execute_script(
            """const [select, wanted] = arguments;
               for (const o of select.options) {
                 if (o.text.trim().toLowerCase() === wanted || o.value.toLowerCase() === wanted) {
                   select.value = o.value; select.dispatchEvent(new Event('change', {bubbles: true})); return true; } }
               return Array.from(select.options).map(o => o.text);""", element, option.lower())
        if chosen is not True:
            raise AssertionError(f"the select “{label}” has no option “{option}”; it has {chosen}")
        return element
    fieldset = panel(driver, label, scope, selector="fieldset", heading="legend")
    radios = [r for r in fieldset.find_elements(By.CSS_SELECTOR, "input[type=radio]")
              if accessible_name(driver, r).lower() == option.lower() or (r.get_attribute("value") or "").lower() == option.lower()]
    if not radios:
        raise AssertionError(f"no option “{option}” for “{label}” on {path_of(driver)}")
    driver.execute_script("arguments[0].click()", radios[0])
    return radios[0]


def panel(driver, title, scope=None, selector="section, fieldset, form, dialog, [role=region], [role=group]", heading="h1, h2, h3, legend"):
    """The innermost section/fieldset/… titled title (its heading's text or its aria-label/aria-labelledby)."""
    found = driver.execute_script(
        """const [scope, selector, heading, wanted] = arguments;
           const norm = s => (s || '').replace(/\\s+/g, ' ').trim();
           const hits = [];
           for (const el of (scope || document).querySelectorAll(selector)) {
             let t = norm(el.getAttribute('aria-label'));
             const ids = el.getAttribute('aria-labelledby');
             if (ids) t = norm(ids.split(/\\s+/).map(id => (document.getElementById(id) || {}).textContent).join(' '));
             const h = el.querySelector(heading);
             if (t === wanted || (h && norm(h.textContent) === wanted)) hits.push(el);
           }
           return hits.filter(el => !hits.some(other => other !== el && el.contains(other)));""",
        scope, selector, heading, title)
    if not found:
        raise AssertionError(f"no panel titled “{title}” on {path_of(driver)}")
    return found[0]


def form_of(element):
    form = element.get_property("form")
    if form is None:
        raise AssertionError(f"{describe(element)} is in no form")
    return form


def submit(driver, element, names=("Save",)):
    """Clicks the submit button of element's form whose name is one of names; waits for the next page."""
    form = form_of(element)
    for name in names:
        button = control_or_none(driver, name, form, "button, input[type=submit]")
        if button is not None:
            click(driver, button)
            return
    raise AssertionError(f"the form holding {describe(element)} has no button named {' or '.join(names)}; it has {control_names(driver, form)}")


def navigates(driver, element):
    """Whether clicking element loads a new document: a link to another URL, or a submit button of a form that the
    script does not intercept (method=dialog, data-confirm)."""
    return driver.execute_script(
        """const el = arguments[0];
           if (el.tagName === 'A') { const h = el.getAttribute('href') || '';
             return h !== '' && !h.startsWith('#') && !el.hasAttribute('download') && el.target !== '_blank'; }
           if (el.tagName === 'SUMMARY' || !el.form) return false;
           if (!['submit', 'image'].includes((el.getAttribute('type') || 'submit').toLowerCase())) return false;
           return el.form.getAttribute('method') !== 'dialog' && !el.form.hasAttribute('data-confirm')
             && !el.hasAttribute('data-confirm-submit');""", element)


def press(driver, name, scope=None):
    """Clicks the control named name; waits for the next page when it is a link or a plain submit button."""
    element = control(driver, name, scope)
    click(driver, element, navigates=navigates(driver, element))
    return element


def row(driver, text, scope=None):
    """The first table body row (or list item of a .list) holding text."""
    rows = driver.execute_script(
        """const [scope, wanted] = arguments;
           return Array.from((scope || document).querySelectorAll('tbody tr, ul.list > li, ol.list > li'))
             .filter(r => r.textContent.replace(/\\s+/g, ' ').includes(wanted));""", scope, text)
    return rows[0] if rows else None


def row_action(driver, row_element, name):
    """A control named name in a row, opening its ⚙ Actions menu (details.menu) first when needed."""
    found = control_or_none(driver, name, row_element)
    if found is None:
        summaries = row_element.find_elements(By.CSS_SELECTOR, "details.menu > summary")
        if not summaries:
            raise AssertionError(f"the row {describe(row_element)} has neither “{name}” nor a details.menu")
        menu = summaries[0].find_element(By.XPATH, "..")
        if not menu.get_attribute("open"):
            click(driver, summaries[0], navigates=False)
            wait_until(lambda: menu.get_attribute("open") is not None, message="the actions menu to open")
        found = control(driver, name, menu)
    return found


def confirm_if_asked(driver, required=True, before_shot=None):
    """After a destructive click: confirms through the script's dialog.confirm, or the no-JS confirmation page; both
    hold a “Confirm” button. before_shot(name) is called with the confirmation showing (for axe and a screenshot)."""
    def confirmation():
        try:
            for dialog in driver.find_elements(By.CSS_SELECTOR, "dialog[open]"):
                button = control_or_none(driver, "Confirm", dialog)
                if button is not None:
                    return ("dialog", button)
            button = control_or_none(driver, "Confirm")
            if button is not None and driver.execute_script("return document.readyState") == "complete":
                return ("page", button)
        except StaleElementReferenceException:
            pass
        return None
    try:
        kind, button = wait_until(confirmation, timeout=5 if required else 2, message="a confirmation with a “Confirm” button")
    except AssertionError:
        if required:
            raise
        return False
    if before_shot:
        before_shot()
        kind, button = confirmation()
    click(driver, button)
    return kind


# --- checks on every page -----------------------------------------------------------------------------------------

_axe_source = None


def axe_check(driver, name, context=None):
    """Injects axe-core, runs it for WCAG 2.0/2.1/2.2 A and AA; fails listing every violation."""
    global _axe_source
    if _axe_source is None:
        if not AXE_JS or not os.path.exists(AXE_JS):
            raise AssertionError("AXE_JS does not name axe.min.js (scripts/browser-tests provides it)")
        with open(AXE_JS, encoding="utf-8") as file:
            _axe_source = file.read()
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(_axe_source)
    result = driver.execute_async_script(
        """const [context, tags, done] = arguments;
           axe.run(context || document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
             .then(r => done(JSON.stringify({violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                 helpUrl: v.helpUrl, nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}))})))
             .catch(e => done(JSON.stringify({error: String(e)})));""",
        context, AXE_TAGS)
    result = json.loads(result)
    if "error" in result:
        raise AssertionError(f"axe failed on {name}: {result['error']}")
    violations = result["violations"]
    if violations:
        lines = [f"axe: {len(violations)} violation(s) on “{name}” ({driver.current_url}):"]
        for v in violations:
            lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
            for node in v["nodes"][:8]:
                why = [l.strip() for l in (node["summary"] or "").splitlines() if l.strip() and not l.startswith("Fix ")]
                lines.append(f"      at {' '.join(map(str, node['target']))}: {'; '.join(why[:3])}")
            if len(v["nodes"]) > 8:
                lines.append(f"      … and {len(v['nodes']) - 8} more")
        raise AssertionError("\n".join(lines))
    return violations


def shot(driver, name, full_page=True):
    """Saves CONSOLE_SCREENSHOTS/<name>.png: the whole page (up to 5000 px tall), or the viewport."""
    os.makedirs(SCREENSHOTS, exist_ok=True)
    path = os.path.join(SCREENSHOTS, re.sub(r"[^A-Za-z0-9_.-]+", "-", name) + ".png")
    if full_page:
        width, height = driver.execute_script(
            "return [window.innerWidth, Math.min(5000, Math.max(document.documentElement.scrollHeight, window.innerHeight))]")
        data = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))
    else:
        driver.save_screenshot(path)
    return path


_FAILED_LOAD = re.compile(r"^(\S+) - Failed to load resource: the server responded with a status of (\d+)")


def console_errors(driver, allow_status_of=()):
    """The SEVERE browser-log entries since the last call (the log is drained), less the allowed ones: a failed
    load of /favicon.ico, and a 4xx of a URL in allow_status_of (a page the test expects to answer so)."""
    errors = []
    for entry in driver.get_log("browser"):
        if entry.get("level") != "SEVERE":
            continue
        message = entry.get("message", "")
        failed = _FAILED_LOAD.match(message)
        if failed:
            url = failed.group(1)
            if urllib.parse.urlsplit(url).path == "/favicon.ico":
                continue
            if url in allow_status_of and failed.group(2).startswith("4"):
                continue
        errors.append(message)
    return errors


def assert_no_console_errors(driver, where="", allow_status_of=()):
    errors = console_errors(driver, allow_status_of)
    if errors:
        csp = [e for e in errors if "Content Security Policy" in e]
        raise AssertionError(
            f"browser console errors{' on ' + where if where else ''}"
            f"{' — ' + str(len(csp)) + ' Content-Security-Policy violation(s)' if csp else ''}:\n  " + "\n  ".join(errors))


def set_viewport(driver, size=DESKTOP, dark=False):
    """Emulates a viewport of size=(w, h) CSS pixels (mobile when narrower than 600; the window's own size counts
    its frame) and the colour scheme. Motion is reduced (the console's CSS then has no transitions), so axe reads the
    settled colours: after a switch back from dark, a drop zone's 0.12 s background fade once showed axe a colour
    between the two themes (CI, 2026-12-02)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": size[0] < 600})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"},
                     {"name": "prefers-reduced-motion", "value": "reduce"}]})


def no_horizontal_overflow(driver):
    """Fails when the document is wider than the viewport (tables must scroll inside .table-wrap)."""
    scroll, client = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if scroll > client + 1:
        culprits = driver.execute_script(
            """const w = document.documentElement.clientWidth; const out = [];
               const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                 (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
               for (const el of document.body.querySelectorAll('*')) {
                 if (el.closest('.table-wrap, pre, [hidden], dialog:not([open])')) continue;
                 const r = el.getBoundingClientRect();
                 const spills = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible';
                 if (r.right > w + 1) out.push(describe(el) + ' (right edge at ' + Math.round(r.right) + 'px)');
                 else if (spills && r.left + el.scrollWidth > w + 1) out.push(describe(el) + ' (its content is ' + el.scrollWidth + 'px wide: “' + el.textContent.trim().slice(0, 40) + '”)');
               }
               return out.slice(0, 10);""")
        raise AssertionError(f"at {client}px wide the page is {scroll}px wide (scrolls sideways) on {path_of(driver)}: {culprits}")


# --- the HTTP API ------------------------------------------------------------------------------------------------

class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def json(self):
        return json.loads(self.body) if self.body else None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http(method, url, body=None, headers=None, timeout=30):
    """One request, redirects not followed; any status is returned, never raised."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url if "://" in url else BASE_URL + url, data=data, method=method)
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    if data is not None and "Content-Type" not in (headers or {}):
        request.add_header("Content-Type", "application/json")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers, error.read())


def api(method, path, body=None, token=None, expect=(200, 201, 202, 204)):
    """Calls the API with the admin token (or token); fails unless the status is in expect."""
    response = http(method, path, body, {"Authorization": f"Bearer {token or ADMIN_TOKEN}"})
    if expect and response.status not in expect:
        raise AssertionError(f"{method} {path} answered {response.status}: {response.body[:500]!r}")
    return response


def page_status(driver, url):
    """(status, Location) of GET url with the browser's cookies, redirects not followed."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    response = http("GET", url, headers={"Cookie": cookies} if cookies else {})
    return response.status, response.headers.get("Location")


def verify_signature(secret, headers, body):
    """Standard Webhooks: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"> keyed by the base64 after whsec_."""
    key = base64.b64decode(secret[len(SIGNING_SECRET_PREFIX):] if secret.startswith(SIGNING_SECRET_PREFIX) else secret)
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(part == f"v1,{expected}" for part in headers.get("webhook-signature", "").split())


# --- a receiver on loopback ---------------------------------------------------------------------------------------

class Receiver:
    """http.server in a thread on 127.0.0.1: records every request; echoes a handshake's data.challenge, else 200."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def handle_any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.lock:
                    outer.requests.append({"method": self.command, "path": self.path,
                                           "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                challenge = None
                try:
                    data = json.loads(body or b"{}")
                    for envelope in (data.get("events") or [data]) if isinstance(data, dict) else []:
                        if isinstance(envelope, dict) and isinstance(envelope.get("data"), dict):
                            challenge = challenge or envelope["data"].get("challenge")
                except ValueError:
                    pass
                answer = json.dumps({"challenge": challenge} if challenge else {"ok": True}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def received(self, path, events_only=True):
        """Requests to path; with events_only, without the webhook.handshake ones."""
        with self.lock:
            found = [r for r in self.requests if r["path"] == path]
        if events_only:
            found = [r for r in found if b"webhook.handshake" not in r["body"]]
        return found

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# --- a test case with a browser -------------------------------------------------------------------------------------

class BrowserTest(unittest.TestCase):
    """One signed-out browser per class (cls.driver); a failed test leaves FAILED-<test>.png and .html; every test
    ends with a browser-console check."""

    driver = None

    @classmethod
    def setUpClass(cls):
        cls.driver = new_driver()

    @classmethod
    def tearDownClass(cls):
        if cls.driver is not None:
            cls.driver.quit()
            cls.driver = None

    def setUp(self):
        self.expected_statuses = set()  # URLs whose 4xx the test expects (not a console error)
        if self.driver is not None:
            set_viewport(self.driver)
            self.driver.get_log("browser")  # drain what an earlier test left

    def tearDown(self):
        if self.driver is not None:
            set_viewport(self.driver)
            assert_no_console_errors(self.driver, f"{self.id()} (at its end)", self.expected_statuses)

    def run(self, result=None):
        result = result if result is not None else self.defaultTestResult()
        before = len(result.failures) + len(result.errors)
        super().run(result)
        if len(result.failures) + len(result.errors) > before and self.driver is not None:
            try:
                name = "FAILED-" + self.id().rsplit(".", 2)[-2] + "-" + self._testMethodName
                shot(self.driver, name)
                with open(os.path.join(SCREENSHOTS, name + ".html"), "w", encoding="utf-8") as file:
                    file.write(f"<!-- {self.driver.current_url} -->\n" + self.driver.page_source)
            except WebDriverException:
                pass
        return result

    # Navigation and per-page checks.

    def open(self, path, expect_status=None):
        """Loads BASE_URL + path (or a full URL) and waits for it; expect_status (e.g. 404) is checked over HTTP
        with the browser's cookies and then not reported as a console error."""
        url = path if "://" in path else BASE_URL + path
        self.driver.get(url)
        wait_for_load(self.driver)
        if expect_status is not None:
            self.expected_statuses.add(url)
            status, _ = page_status(self.driver, url)
            self.assertEqual(status, expect_status, f"GET {path} with the browser's session")
        return self.driver

    def check_page(self, name, phone=False, dark=False, allow_status=False):
        """axe (WCAG 2.2 AA) + screenshot + no console errors on the page as it is; phone: again at 390 px wide
        (with no sideways scrolling); dark: again with prefers-color-scheme: dark."""
        driver = self.driver
        where = f"{name} ({path_of(driver)})"
        allowed = {driver.current_url} | self.expected_statuses if allow_status else self.expected_statuses
        self.assertTrue(driver.find_elements(By.CSS_SELECTOR, "main h1, h1"), f"{where} has no <h1>")
        self.assertTrue(driver.title.strip(), f"{where} has no <title>")
        shot(driver, name)
        axe_check(driver, name)
        if dark:
            set_viewport(driver, dark=True)
            shot(driver, name + "-dark")
            axe_check(driver, name + " (dark)")
            set_viewport(driver)
        if phone:
            set_viewport(driver, PHONE)
            shot(driver, name + "-phone")
            no_horizontal_overflow(driver)
            axe_check(driver, name + " (390 px)")
            set_viewport(driver)
        assert_no_console_errors(driver, where, allowed)

    def sign_in(self, token=None):
        sign_in(self.driver, token)


def sign_in(driver, token=None):
    """Signs in at /console/login: the field labelled “Access token”, the button “Sign in”."""
    driver.get(BASE_URL + "/console/login")
    wait_for_load(driver)
    fill(driver, "Access token", token or ADMIN_TOKEN)
    click(driver, control(driver, "Sign in"))

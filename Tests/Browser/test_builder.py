"""The custom-integration builder in headless Chromium, written against shared/API.md ("API connectors", "Console
(browser)") and the builder's templates: "Add OpenAPI Integration" (a broken document's problems grouped by rule
with line:column, pointer and excerpt; a pasted document; a real one from /work/shared/specs uploaded as a file),
an integration built by hand through every step of the builder (API hostname, authentication and its defaults,
pagination and its details, the actions editor with Regex Replace, finalize), the actions editor's search, and a
finalized integration that keeps its authentication method. Every page visited gets the same check as in
test_console.py: axe (WCAG 2.2 AA), no browser-console error (a CSP violation among them) and a screenshot; a
failed page check is recorded as a sub-test failure and the workflow goes on, so one run shows every problem.

Needs a server started by scripts/browser-tests (PATCHBAY_CONSOLE_URL, PATCHBAY_CONSOLE_ADMIN_TOKEN). The specs in
/work/shared/specs (SPECS_DIR) are read in place, never copied."""

import os
import re
import shutil
import tempfile
import unittest

from selenium.webdriver.common.by import By

import console_harness as h
from console_harness import api, click, control, control_or_none, field, fill, panel, path_of, press, wait_until

SPECS = os.environ.get("SPECS_DIR", "/work/shared/specs")
PETSTORE_V3 = os.path.join(SPECS, "oai-v3.0-petstore.yaml")
PETSTORE_V2 = os.path.join(SPECS, "oai-v2.0-petstore.json")
ORG = {}
TEMP = None

# Two errors (an operationId used twice; a path parameter whose path has no {ownerId}) and a few warnings.
BROKEN_NAME = "broken-pets.yaml"
BROKEN = """openapi: 3.0.3
info:
  title: Broken Pets
  version: 1.0.0
servers:
  - url: https://api.example.com/v1
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        '200':
          description: ok
  /pets/{petId}:
    get:
      operationId: listPets
      parameters:
        - name: petId
          in: path
          required: true
          schema:
            type: string
      responses:
        '200':
          description: ok
  /owners:
    get:
      operationId: getOwner
      parameters:
        - name: ownerId
          in: path
          required: true
          schema:
            type: string
      responses:
        '200':
          description: ok
"""
# No problem at all: the import goes straight on to the builder.
PASTED = """openapi: 3.0.3
info:
  title: Pasted Weather
  description: Forecasts for the browser tests.
  version: 1.0.0
servers:
  - url: https://weather.example.com/v2
paths:
  /forecasts:
    get:
      operationId: listForecasts
      summary: List the forecasts
      description: Every forecast of the day.
      responses:
        '200':
          description: The forecasts.
"""


def line_of(text, needle, occurrence=1):
    """The 1-based number of the line holding needle for the occurrence-th time."""
    seen = 0
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} is not in the document {occurrence} time(s)")


def setUpModule():
    global TEMP
    if not h.BASE_URL or not h.ADMIN_TOKEN:
        raise unittest.SkipTest("PATCHBAY_CONSOLE_URL and PATCHBAY_CONSOLE_ADMIN_TOKEN are not set: run scripts/browser-tests")
    for path in (PETSTORE_V3, PETSTORE_V2):
        if not os.path.exists(path):
            raise unittest.SkipTest(f"{path} is missing (SPECS_DIR names the folder of the shared specs)")
    ORG["id"] = api("POST", "/v1/organizations", {"name": "Initech builders"}, expect=(201,)).json["id"]
    TEMP = tempfile.mkdtemp(prefix="patchbay-builder-")


def tearDownModule():
    if TEMP:
        shutil.rmtree(TEMP, ignore_errors=True)


def org():
    return ORG["id"]


def integrations_base():
    return f"/console/orgs/{org()}/integrations"


def integration_ids():
    return {i["id"] for i in api("GET", f"/v1/organizations/{org()}/integrations?limit=100").json["data"]}


def integration_json(integration):
    return api("GET", f"/v1/organizations/{org()}/integrations/{integration}").json


def action_names(integration):
    return sorted(a["name"] for a in api("GET", f"/v1/organizations/{org()}/integrations/{integration}/actions").json["data"])


def main_text(driver):
    return driver.find_element(By.TAG_NAME, "main").text


def alerts(driver):
    """The visible texts of role=alert elements (the form-problems summary, flash errors)."""
    return [e.text.strip() for e in driver.find_elements(By.CSS_SELECTOR, "[role=alert]") if e.is_displayed() and e.text.strip()]


def finalized_message(driver):
    """The alert that says the method cannot change once finalized, else None."""
    return next((m for m in alerts(driver) if "finalized" in m), None)


def error_beside(driver, element):
    """The visible .error message that element's aria-describedby points at, checking aria-invalid on the way."""
    described = (element.get_attribute("aria-describedby") or "").split()
    for ident in described:
        found = driver.find_elements(By.ID, ident)
        if found and "error" in (found[0].get_attribute("class") or "").split() and found[0].is_displayed():
            if element.get_attribute("aria-invalid") != "true":
                raise AssertionError(f"{h.describe(element)} has an error message but no aria-invalid=true")
            return found[0].text.strip()
    raise AssertionError(f"no visible error message is tied to {h.describe(element)} (aria-describedby={described})")


def wizard_step(driver):
    """The current builder step: (the h2 “Step N of M: Title”, the title of the step link marked aria-current)."""
    heading = driver.find_element(By.ID, "step-title").text.strip()
    current = driver.find_elements(By.CSS_SELECTOR, "nav.wizard-steps a[aria-current=step]")
    return heading, (re.sub(r"^\d+\s*", "", current[0].text.strip()) if current else None)


def checked_radio(driver, legend):
    fieldset = panel(driver, legend, selector="fieldset", heading="legend")
    chosen = [r for r in fieldset.find_elements(By.CSS_SELECTOR, "input[type=radio]") if r.is_selected()]
    return h.accessible_name(driver, chosen[0]) if chosen else None


def action_list(driver):
    """The names in the actions editor's list, in order."""
    return [e.text.strip() for e in driver.find_elements(By.CSS_SELECTOR, "ul.action-list .action-name")]


def action_link(driver, name):
    links = [a for a in driver.find_elements(By.CSS_SELECTOR, "ul.action-list a")
             if a.find_element(By.CSS_SELECTOR, ".action-name").text.strip() == name]
    if not links:
        raise AssertionError(f"no action “{name}” in the editor's list: {action_list(driver)}")
    return links[0]


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


class A_ImportOpenAPI(SignedIn):
    def test_a_the_integrations_list_offers_add_openapi_integration(self):
        d = self.driver
        self.open(integrations_base())
        self.page("builder-integrations")
        link = control_or_none(d, "Add OpenAPI Integration")
        self.assertIsNotNone(link, f"the integrations list has no “Add OpenAPI Integration” control (shared/API.md names it); "
                                   f"it has {h.control_names(d)}")
        click(d, link)
        self.assertEqual(path_of(d), f"{integrations_base()}/import")

    def test_b_a_broken_document_lists_its_problems_by_rule_and_imports_nothing(self):
        d = self.driver
        before = integration_ids()
        self.open(f"{integrations_base()}/import")
        self.assertIn("Add OpenAPI Integration", d.find_element(By.TAG_NAME, "h1").text)
        self.page("import", phone=True, dark=True)

        # Nothing chosen: the message sits beside the file field.
        h.submit(d, field(d, "Document file"), ("Submit",))
        self.assertIn("paste the document", error_beside(d, field(d, "Document file")))
        self.page("import-nothing-chosen", allow_status=True)

        path = os.path.join(TEMP, BROKEN_NAME)
        with open(path, "w", encoding="utf-8") as file:
            file.write(BROKEN)
        upload = field(d, "Document file")
        self.assertEqual(upload.get_attribute("type"), "file")
        upload.send_keys(path)
        h.submit(d, upload, ("Submit",))
        result = panel(d, f"2 errors to fix in {BROKEN_NAME}")
        self.assertIn("3 operations · 2 errors", result.text)
        self.page("import-problems", allow_status=True, phone=True)

        groups = result.find_elements(By.CSS_SELECTOR, "details.lint-group")
        rules = [g.find_element(By.CSS_SELECTOR, "summary code").text.strip() for g in groups]
        self.assertEqual(len(rules), len(set(rules)), f"a rule has more than one group: {rules}")
        expected = {
            "operation-operationId-unique": (line_of(BROKEN, "operationId: listPets", 2), "/paths/~1pets~1{petId}/get/operationId",
                                             "operationId: listPets"),
            "path-params": (line_of(BROKEN, "- name: ownerId"), "/paths/~1owners/get/parameters/0", "name: ownerId"),
        }
        for rule in expected:
            self.assertIn(rule, rules)
        errors_first = [g.find_element(By.CSS_SELECTOR, ".badge").text.strip().lower() for g in groups]
        self.assertEqual(errors_first[:2], ["error", "error"], f"the error groups do not come first: {list(zip(rules, errors_first))}")
        self.assertIn("operation-description", rules, "the warnings are not listed by rule")
        for group, rule in zip(groups, rules):
            if rule not in expected:
                continue
            line, pointer, text = expected[rule]
            self.assertIsNotNone(group.get_attribute("open"), f"the error group {rule} is closed")
            problems = group.find_elements(By.CSS_SELECTOR, "ol.lint-problems > li")
            self.assertEqual(len(problems), 1, f"{rule}: {[p.text for p in problems]}")
            problem = problems[0]
            place = re.search(r"\bline (\d+):(\d+)\b", problem.text)
            self.assertIsNotNone(place, f"{rule}: no “line N:M” in {problem.text!r}")
            self.assertEqual(int(place.group(1)), line, f"{rule}: the line of the problem")
            self.assertIn(pointer, [c.text.strip() for c in problem.find_elements(By.CSS_SELECTOR, "code")], f"{rule}: the pointer")
            current = problem.find_elements(By.CSS_SELECTOR, "pre.excerpt .current")
            self.assertEqual(len(current), 1, f"{rule}: the excerpt highlights {len(current)} lines")
            self.assertEqual(current[0].find_element(By.CSS_SELECTOR, ".line-number").text.strip(), str(line),
                             f"{rule}: the highlighted line's number")
            self.assertIn(text, current[0].text, f"{rule}: the highlighted line is not the document's line {line}")
            numbers = [int(n.text) for n in problem.find_elements(By.CSS_SELECTOR, "pre.excerpt .line-number")]
            self.assertEqual(numbers, list(range(numbers[0], numbers[0] + len(numbers))), f"{rule}: excerpt lines {numbers}")
            self.assertTrue(numbers[0] < line < numbers[-1], f"{rule}: the excerpt {numbers} does not surround line {line}")
        # The form is offered again, and nothing was imported.
        self.assertIsNotNone(field(d, "Document file"))
        self.assertEqual(integration_ids(), before, "a document with errors was imported")
        self.open(integrations_base())
        self.assertIsNone(h.row(d, "Broken Pets"), "the integrations list shows the refused document")
        self.page("import-nothing-imported")

    def test_c_a_pasted_document_is_imported(self):
        d = self.driver
        before = integration_ids()
        self.open(f"{integrations_base()}/import")
        pasted = fill(d, "Or paste the document", PASTED)
        self.assertEqual(pasted.tag_name, "textarea")
        self.page("import-pasted")
        h.submit(d, pasted, ("Submit",))
        # No finding: straight on to the builder.
        wait_until(lambda: re.search(rf"^{integrations_base()}/int_[^/]+/build/details$", path_of(d)), message="the builder after the import")
        self.assertIn("Pasted Weather", d.find_element(By.TAG_NAME, "h1").text)
        self.assertEqual(field(d, "Name").get_attribute("value"), "Pasted Weather")
        self.assertStep("Name and icon")
        self.page("import-pasted-builder")
        new = integration_ids() - before
        self.assertEqual(len(new), 1, "the pasted document did not make exactly one integration")
        created = integration_json(new.pop())
        self.assertEqual(created["api"]["baseUrl"], "https://weather.example.com/v2")
        self.assertEqual(created["status"], "draft")
        self.assertEqual(action_names(created["id"]), ["List Forecasts"])

    def test_d_an_uploaded_spec_is_imported_and_leads_to_the_builder(self):
        d = self.driver
        before = integration_ids()
        self.open(f"{integrations_base()}/import")
        upload = field(d, "Document file")
        upload.send_keys(PETSTORE_V3)
        h.submit(d, upload, ("Submit",))
        # A warning (info has no description) is shown once, with a Next.
        if "/build/" not in path_of(d):
            result = panel(d, f"{os.path.basename(PETSTORE_V3)} is ready")
            status = result.find_element(By.CSS_SELECTOR, "[role=status]").text
            self.assertIn("Imported “Swagger Petstore” with 3 actions", status)
            self.assertIn("info-description", result.text)
            self.assertFalse(d.find_elements(By.ID, "document"), "the upload form is still offered after the import")
            self.page("import-petstore")
            press(d, "Next")
        wait_until(lambda: re.search(rf"^{integrations_base()}/int_[^/]+/build/details$", path_of(d)), message="the builder after Next")
        self.assertStep("Name and icon")
        self.assertEqual(field(d, "Name").get_attribute("value"), "Swagger Petstore")
        self.page("import-petstore-builder")
        new = integration_ids() - before
        self.assertEqual(len(new), 1)
        created = integration_json(new.pop())
        self.assertEqual(created["api"]["baseUrl"], "http://petstore.swagger.io/v1")
        self.assertEqual(action_names(created["id"]), ["Create Pets", "List Pets", "Show Pet By Id"])


class B_BuildByHand(SignedIn):
    """One integration built through every step; the tests run in order and share it."""

    integration = None
    BASE_URL = "https://api.petshop.example/v1"

    def base(self):
        if not B_BuildByHand.integration:
            self.skipTest("the integration was not created (see test_a)")
        return f"{integrations_base()}/{B_BuildByHand.integration}"

    def test_a_new_integration_lands_on_the_hostname_step(self):
        d = self.driver
        self.open(integrations_base())
        press(d, "New Integration")
        self.assertEqual(path_of(d), f"{integrations_base()}/new")
        name = field(d, "Name")
        self.page("builder-new-integration")
        name.clear()
        name.send_keys("Pet Shop")
        bot = field(d, "Bot user")
        if bot.is_selected():
            click(d, bot, navigates=False)
        actions = field(d, "Actions")
        self.assertEqual(actions.get_attribute("value"), "actions")
        if not actions.is_selected():
            click(d, actions, navigates=False)
        h.submit(d, name, ("Save",))
        found = wait_until(lambda: re.search(rf"^{integrations_base()}/(int_[^/]+)/build/host$", path_of(d)), message="the builder's host step")
        B_BuildByHand.integration = found.group(1)
        self.assertStep("API hostname")
        self.assertIn("Draft", d.find_element(By.TAG_NAME, "h1").text)
        self.page("builder-host", phone=True, dark=True)
        created = integration_json(B_BuildByHand.integration)
        self.assertEqual(created["bot"], False)
        self.assertIn("actions", created["features"])

    def test_b_a_bad_hostname_is_refused_beside_the_field(self):
        d = self.driver
        self.open(f"{self.base()}/build/host")
        # An absolute URL the browser's own check lets through, but not http(s).
        fill(d, "API hostname", "ftp://api.petshop.example/v1")
        press(d, "Next")
        self.assertStep("API hostname")
        url = field(d, "API hostname")
        self.assertEqual(url.get_attribute("value"), "ftp://api.petshop.example/v1", "the typed value is not kept")
        self.assertIn("http", error_beside(d, url))
        self.page("builder-host-refused", allow_status=True)
        fill(d, "API hostname", self.BASE_URL)
        self.next_step("Authentication", "builder-auth")
        self.assertEqual(integration_json(B_BuildByHand.integration)["api"]["baseUrl"], self.BASE_URL)

    def test_c_authentication_api_key_with_its_defaults(self):
        d = self.driver
        self.open(f"{self.base()}/build/auth")
        self.assertStep("Authentication")
        api_key = h.choose(d, "Authentication method", "API Key")
        # Its “Choose this if…” checklist is its description.
        why = d.find_element(By.ID, api_key.get_attribute("aria-describedby"))
        self.assertTrue(why.is_displayed())
        self.assertTrue(why.text.startswith("Choose this if…"), why.text)
        reasons = [li.text.strip() for li in why.find_elements(By.CSS_SELECTOR, "ul.checklist > li")]
        self.assertGreaterEqual(len(reasons), 2, reasons)
        self.assertIn("The provider gives you a key or token to paste into the integration.", reasons)
        self.page("builder-auth-api-key")
        self.next_step("Authentication defaults", "builder-auth-defaults")
        self.assertIn("API Key", main_text(d))
        self.assertEqual(checked_radio(d, "Where the key goes"), "A request header")
        fill(d, "Header name", "X-Api-Key")
        field(d, "Preamble").clear()
        fill(d, "Extra request headers", "Accept: application/json")

        # Back saves the step: coming forward again shows what was typed.
        press(d, "Back")
        self.assertStep("Authentication")
        self.assertEqual(checked_radio(d, "Authentication method"), "API Key")
        self.page("builder-auth-after-back")
        self.next_step("Authentication defaults", "builder-auth-defaults-kept")
        self.assertEqual(field(d, "Header name").get_attribute("value"), "X-Api-Key")
        self.assertEqual(field(d, "Preamble").get_attribute("value"), "")
        self.assertEqual(field(d, "Extra request headers").get_attribute("value").strip(), "Accept: application/json")
        self.next_step("Pagination", "builder-pagination")

    def test_d_pagination_by_page_with_its_details(self):
        d = self.driver
        self.open(f"{self.base()}/build/pagination")
        self.assertStep("Pagination")
        h.choose(d, "Pagination type", "Page")
        self.page("builder-pagination-page")
        self.next_step("Pagination details", "builder-pagination-details")
        self.assertIn("Page", main_text(d))
        values = {"Page parameter": "page", "Page size parameter": "per_page", "Default page size": "50", "Page limit": "3"}
        for label, value in values.items():
            fill(d, label, value)
        press(d, "Back")
        self.assertStep("Pagination")
        self.assertEqual(checked_radio(d, "Pagination type"), "Page")
        self.page("builder-pagination-after-back")
        self.next_step("Pagination details", "builder-pagination-details-kept")
        for label, value in values.items():
            self.assertEqual(field(d, label).get_attribute("value"), value, f"{label} after Back and Next")
        self.next_step("Edit Actions", "builder-actions-step")
        self.assertIn("No actions yet", main_text(d))

    def test_e_actions_added_edited_and_renamed_with_regex_replace(self):
        d = self.driver
        self.open(f"{self.base()}/build/actions")
        press(d, "Open the actions editor")
        self.assertEqual(path_of(d), f"{self.base()}/actions")
        self.page("actions-empty")
        press(d, "Add action")
        self.assertEqual(len(action_list(d)), 1, action_list(d))
        self.page("actions-one-new")
        press(d, "Add action")  # the first is still “New Action”: the second must not collide with it
        self.assertEqual(path_of(d), f"{self.base()}/actions", f"the second “Add action” answered “{d.title}”: {main_text(d)[:300]}")
        fresh = action_list(d)
        self.assertEqual(len(fresh), 2, fresh)
        self.assertTrue(all(n.startswith("New Action") for n in fresh), fresh)
        self.page("actions-two-new", phone=True)

        for new_name, new_path in (("Pets Get", "/pets"), ("Users Get", "/users")):
            placeholder = next(n for n in action_list(d) if n.startswith("New Action"))
            click(d, action_link(d, placeholder))
            name = field(d, "Name")
            self.assertEqual(name.get_attribute("value"), placeholder)
            name.clear()
            name.send_keys(new_name)
            fill(d, "Path", new_path)
            h.submit(d, name, ("Save",))
            self.assertIn(new_name, action_list(d))
            self.page(f"actions-saved-{new_path.strip('/')}")
        self.assertEqual(sorted(action_list(d)), ["Pets Get", "Users Get"])

        rename = panel(d, "Regex Replace")
        fill(d, "Pattern", "(.*?) Get", rename)
        fill(d, "Replacement", "Get $1", rename)
        self.assertIsNone(control_or_none(d, "Apply", rename), "Apply is offered before a preview")
        press(d, "Preview", rename)
        rename = panel(d, "Regex Replace")
        self.assertIn("2 actions would be renamed", rename.text)
        table = rename.find_element(By.CSS_SELECTOR, "table")
        headers = [th.text.strip() for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
        self.assertEqual(headers, ["Old name", "New name"])
        changes = sorted(tuple(td.text.strip() for td in tr.find_elements(By.TAG_NAME, "td"))
                         for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr"))
        self.assertEqual(changes, [("Pets Get", "Get Pets"), ("Users Get", "Get Users")])
        self.assertEqual(field(d, "Pattern", rename).get_attribute("value"), "(.*?) Get", "the preview lost the pattern")
        self.assertEqual(action_names(B_BuildByHand.integration), ["Pets Get", "Users Get"], "the preview renamed something")
        self.page("actions-rename-preview")
        press(d, "Apply", rename)
        self.assertEqual(sorted(action_list(d)), ["Get Pets", "Get Users"])
        self.page("actions-renamed", phone=True, dark=True)

    def test_f_finalize_publishes_what_was_typed(self):
        d = self.driver
        integration = B_BuildByHand.integration
        self.open(f"{self.base()}/build/actions")
        summary = main_text(d)
        with self.subTest(check="the actions step lists the renamed actions"):
            self.assertIn("Get Pets", summary)
            self.assertIn("Get Users", summary)
        self.page("builder-actions-summary")
        self.next_step("Finalize", "builder-finalize")
        self.assertEqual(path_of(d), f"{self.base()}/build/finalize")
        self.assertEqual(checked_radio(d, "Status"), "Published")
        # The Finalize button asks first (the script's dialog, or the confirmation page without it).
        click(d, control(d, "Finalize", selector="button, input[type=submit]"), navigates=False)  # not the breadcrumb
        kind = h.confirm_if_asked(d, before_shot=lambda: self.page("builder-finalize-confirm"))
        self.assertIn(kind, ("dialog", "page"))
        h.wait_for_load(d)
        self.assertEqual(path_of(d), self.base())
        self.assertIn("Published", d.find_element(By.TAG_NAME, "h1").text)
        self.assertIn(self.BASE_URL, main_text(d))
        self.page("builder-finalized")

        stored = integration_json(integration)
        self.assertEqual(stored["status"], "published")
        self.assertEqual(stored["api"], {
            "baseUrl": self.BASE_URL,
            "auth": {"type": "apiKey", "in": "header", "headerName": "X-Api-Key", "extraHeaders": {"Accept": "application/json"}},
            "pagination": {"type": "page", "pageParam": "page", "pageSizeParam": "per_page", "defaultPageSize": 50, "pageLimit": 3},
        })
        # The actions (test_e) are checked last, so that a failure there does not hide the finalize's result.
        paths = {a["name"]: (a["method"], a["path"]) for a in
                 api("GET", f"/v1/organizations/{org()}/integrations/{integration}/actions").json["data"]}
        self.assertEqual(paths, {"Get Pets": ("GET", "/pets"), "Get Users": ("GET", "/users")}, "the actions as renamed")


class C_ActionSearch(SignedIn):
    def test_search_narrows_the_actions(self):
        d = self.driver
        with open(PETSTORE_V2, "rb") as file:
            imported = h.http("POST", f"/v1/organizations/{org()}/integrations/import", file.read(),
                              {"Authorization": f"Bearer {h.ADMIN_TOKEN}", "Content-Type": "application/json"})
        self.assertEqual(imported.status, 201, imported.body[:300])
        editor = f"{integrations_base()}/{imported.json['id']}/actions"
        self.open(editor)
        self.assertEqual(sorted(action_list(d)), ["Create Pets", "List Pets", "Show Pet By Id"])
        self.page("actions-search-all")

        box = fill(d, "Search actions", "show")
        self.assertEqual(box.get_attribute("type"), "search")
        h.submit(d, box, ("Search",))
        self.assertEqual(action_list(d), ["Show Pet By Id"])
        self.assertEqual(field(d, "Search actions").get_attribute("value"), "show", "the search box lost the query")
        self.assertIn("q=show", d.current_url, "the search is not in the URL (a view can be bookmarked)")
        self.page("actions-search-narrowed")

        box = fill(d, "Search actions", "{petId}")  # by path
        h.submit(d, box, ("Search",))
        self.assertEqual(action_list(d), ["Show Pet By Id"])

        box = fill(d, "Search actions", "no-such-action")
        h.submit(d, box, ("Search",))
        self.assertEqual(action_list(d), [])
        self.assertIn("No action matches “no-such-action”", main_text(d))
        self.page("actions-search-none")


class D_FinalizedAuth(SignedIn):
    def test_a_finalized_integration_keeps_its_authentication_method(self):
        d = self.driver
        created = api("POST", f"/v1/organizations/{org()}/integrations", {"name": "Locked Key", "description": "", "bot": False},
                      expect=(201,)).json
        integration = created["id"]
        api("PATCH", f"/v1/organizations/{org()}/integrations/{integration}", {"api": {
            "baseUrl": "https://locked.example.com", "auth": {"type": "apiKey", "headerName": "X-Api-Key"},
            "pagination": {"type": "none"}}})
        api("POST", f"/v1/organizations/{org()}/integrations/{integration}/finalize", {})
        base = f"{integrations_base()}/{integration}/build"

        # Another method with defaults of its own: the message comes at the latest when its defaults are saved.
        self.open(f"{base}/auth")
        self.assertEqual(checked_radio(d, "Authentication method"), "API Key")
        self.page("builder-finalized-auth")
        h.choose(d, "Authentication method", "Basic Auth")
        press(d, "Next")
        if not finalized_message(d) and path_of(d) == f"{base}/auth-settings":
            self.assertStep("Authentication defaults")
            self.assertIn("Basic Auth", main_text(d))
            self.page("builder-finalized-auth-basic-defaults")
            press(d, "Next")
        self.assertIsNotNone(finalized_message(d), f"no message about the finalized method on {path_of(d)}: {alerts(d)}")
        self.page("builder-finalized-auth-refused", allow_status=True)
        self.assertEqual(integration_json(integration)["api"]["auth"]["type"], "apiKey")

        # No Auth is saved by the step itself: refused there.
        self.open(f"{base}/auth")
        h.choose(d, "Authentication method", "No Auth")
        press(d, "Next")
        self.assertIsNotNone(finalized_message(d), f"no message about the finalized method on {path_of(d)}: {alerts(d)}")
        self.assertStep("Authentication")
        self.page("builder-finalized-auth-none-refused", allow_status=True)
        self.assertEqual(integration_json(integration)["api"]["auth"], {"type": "apiKey", "headerName": "X-Api-Key"})


if __name__ == "__main__":
    unittest.main()

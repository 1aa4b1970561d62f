"""The console in a real browser: Debian's Chromium, headless, driven by Selenium.

One story a front desk lives through: sign in (replacing the one-time password), enroll a
patient and read the code off the page, record the session and look at its timeline,
handle the alert raised by the patient's check-in through the API, sign out. Each step
leaves a screenshot; their paths are printed (`pytest -s` shows them).
"""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.browser import Shots, chromium, skip_without_browser
from tests.console.helpers import STRONG_PASSWORD, make_staff

skip_without_browser()


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser():
    with chromium("1100,1400", wait=5, profile="chromium") as driver:
        yield driver


def test_front_desk_story_in_chromium(app, live_server, browser):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from companion.clinics.service import create_clinic
    from companion.staff.service import create_staff

    with app.app_context():
        clinic, api_key = create_clinic("Clínica Luz")
        _, one_time = create_staff(clinic.id, "desk@luz.example", "admin")
    shots = Shots(browser, "console")

    def go(element) -> None:
        """Click something that loads a new page, and wait until the old page is gone."""
        element.click()

        def gone(_driver) -> bool:
            try:
                element.is_enabled()
            except WebDriverException:  # stale, or chromedriver's "inspector error" mid-navigation
                return True
            return False

        WebDriverWait(browser, 20).until(gone)
        WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")

    def fill(field_id: str, value: str) -> None:
        element = browser.find_element(By.ID, field_id)
        element.clear()
        element.send_keys(value)

    browser.get(f"{live_server}/console/")
    assert "/console/login" in browser.current_url
    fill("email", "desk@luz.example")
    fill("password", one_time)
    shots.take("sign-in")
    go(browser.find_element(By.ID, "sign-in"))
    assert browser.current_url.endswith("/console/password")
    fill("current", one_time)
    fill("new", STRONG_PASSWORD)
    shots.take("choose-password")
    go(browser.find_element(By.ID, "save-password"))
    assert browser.find_element(By.ID, "worklist-empty")
    shots.take("empty-worklist")

    go(browser.find_element(By.LINK_TEXT, "Enroll a patient"))
    fill("display_name", "Marta")
    fill("timezone", "Europe/Madrid")
    browser.find_element(By.CSS_SELECTOR, "#locale option[value=es]").click()
    go(browser.find_element(By.ID, "enroll"))
    code = browser.find_element(By.ID, "enrollment-code").text
    assert len(code) == 14 and code.count("-") == 2
    assert browser.find_element(By.CSS_SELECTOR, ".qr svg")
    shots.take("enrolled-code-and-qr")

    go(browser.find_element(By.ID, "record-session"))
    browser.find_element(By.CSS_SELECTOR, "#protocol option[value=microneedling-face]").click()
    with app.app_context():
        from companion.protocols.registry import get_registry

        face_max = get_registry().get("microneedling-face").content["treatment"]["max_depth_mm"]
    assert float(browser.find_element(By.ID, "needle_depth_mm").get_attribute("max")) == face_max
    browser.find_element(By.CSS_SELECTOR, "#area option[value=face]").click()
    fill("needle_depth_mm", "1.0")
    shots.take("record-session")
    go(browser.find_element(By.ID, "record"))
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.reminder")
    assert len(rows) >= 5 and "pending" in rows[0].text
    shots.take("timeline")

    import requests

    token = requests.post(f"{live_server}/v1/patient-sessions", json={"enrollment_code": code}, timeout=10).json()[
        "token"
    ]
    phone = requests.post(  # reachable: the worklist would list her as unreachable otherwise
        f"{live_server}/v1/me/devices",
        headers={"Authorization": f"Bearer {token}"},
        json={"fid": "marta-phone", "platform": "android"},
        timeout=10,
    )
    assert phone.status_code == 201
    checkin = requests.post(
        f"{live_server}/v1/me/checkins",
        headers={"Authorization": f"Bearer {token}"},
        json={"ratings": {"redness": 2}, "red_flags": {"fever": True}},
        timeout=10,
    ).json()
    assert checkin["outcome"] == "urgent" and checkin["alert_id"]

    go(browser.find_element(By.LINK_TEXT, "Worklist"))
    card = browser.find_element(By.ID, f"alert-{checkin['alert_id']}")
    assert "urgent" in card.text.lower() and "Marta" in card.text
    shots.take("worklist-alert")
    go(card.find_element(By.CSS_SELECTOR, "button.acknowledge"))
    card = browser.find_element(By.ID, f"alert-{checkin['alert_id']}")
    assert "acknowledged" in card.text.lower()
    card.find_element(By.NAME, "note").send_keys("Called the patient; seen this afternoon")
    shots.take("alert-acknowledged")
    go(card.find_element(By.CSS_SELECTOR, "button.resolve"))
    assert browser.find_element(By.ID, "worklist-empty")
    alert = requests.get(
        f"{live_server}/v1/alerts/{checkin['alert_id']}", headers={"Authorization": f"Bearer {api_key}"}, timeout=10
    ).json()
    assert alert["status"] == "resolved"
    shots.take("alert-resolved")

    go(browser.find_element(By.ID, "sign-out"))
    assert "/console/login" in browser.current_url
    browser.get(f"{live_server}/console/")
    assert "/console/login" in browser.current_url
    shots.take("signed-out")
    assert all(path.stat().st_size > 2000 for path in shots.paths)


# How far the page reaches sideways, whether the navigation sits on one row, and how many lines the code takes.
_LAYOUT = """
var shown = Array.prototype.filter.call(
  document.querySelectorAll('header .brand, header nav a, header summary, #sign-out'),
  function (e) { return e.checkVisibility({visibilityProperty: true}); }  // links folded in a closed menu do not count
).map(function (e) { return e.getBoundingClientRect(); }).sort(function (a, b) { return a.top - b.top; });
var rows = 0, bottom = -Infinity;
shown.forEach(function (box) { if (box.top >= bottom) { rows += 1; } bottom = Math.max(bottom, box.bottom); });
var code = document.getElementById('enrollment-code'), lines = 0;
if (code) { var range = document.createRange(); range.selectNodeContents(code); lines = range.getClientRects().length; }
return [document.documentElement.scrollWidth, window.innerWidth, rows, lines];
"""


LONG_EMAIL = "marta.gil.fernandezdelariva@consultoriodermatologicoluz.example"  # no hyphen to break at


def test_every_page_fits_a_phone_in_english_and_spanish_with_no_serious_accessibility_fault(app, live_server, browser):
    from selenium.webdriver.common.by import By

    from tests.console.helpers import make_staff
    from tests.factories import NO_CONTRAINDICATIONS, create_clinic, enroll, record_treatment
    from tests.factories import sign_in as app_sign_in
    from tests.patient_app.browser import serious_violations, viewport

    clinic = create_clinic(app, "Clínica Luz")
    make_staff(app, clinic["id"], "desk@luz.example")
    api = app.test_client()
    # A long address and a number as tap-to-call links on the patient page and the alert card.
    contact = {"phone": "+34 612 345 678", "email": LONG_EMAIL, "consent": {"sms": True, "email": True}}
    screening = {**NO_CONTRAINDICATIONS, "eczema": True}
    patient = enroll(api, clinic, display_name="Marta Gil", screening=screening, **contact)
    record_treatment(api, clinic, patient["id"], combined_with=["hyaluronic_acid"], clearance_confirmed=True)
    headers = app_sign_in(api, patient["enrollment_code"])
    checkin = {"ratings": {"redness": 2}, "red_flags": {"fever": True}, "note": "Me arde la mejilla desde anoche"}
    assert api.post("/v1/me/checkins", headers=headers, json=checkin).status_code == 201
    base, page = f"{live_server}/console", f"{live_server}/console/patients/{patient['id']}"

    browser.get(f"{base}/login")
    browser.find_element(By.ID, "email").send_keys("desk@luz.example")
    browser.find_element(By.ID, "password").send_keys(STRONG_PASSWORD)
    browser.find_element(By.ID, "sign-in").click()
    assert browser.find_element(By.ID, "sign-out")
    shots = Shots(browser, "console")
    faults: list[str] = []
    for language in ("en", "es"):
        browser.get(f"{base}/settings")
        browser.find_element(By.CSS_SELECTOR, f"#staff-locale option[value={language}]").click()
        browser.execute_script("document.getElementById('staff-locale').form.submit()")
        assert browser.find_element(By.CSS_SELECTOR, f'html[lang="{language}"]')
        # The two pages a POST leads to: the enrolled patient's code, then a new hand-out for Marta.
        browser.get(f"{base}/patients/new")
        browser.find_element(By.ID, "display_name").send_keys(f"Pablo Ruiz {language}")
        browser.find_element(By.ID, "enroll").click()
        assert browser.find_element(By.ID, "enrollment-code")
        pages = {"enrolled": None}
        pages.update(
            {
                "worklist": f"{base}/",
                "patients": f"{base}/patients",
                "search": f"{base}/patients?q=marta",
                "enroll": f"{base}/patients/new",
                "patient": page,
                "session": f"{page}/sessions/new",
                "edit": f"{page}/edit",
                "erase": f"{page}/erase",
                "settings": f"{base}/settings",
                "hand-out": None,
            }
        )
        for name, url in pages.items():
            if name == "hand-out":
                browser.get(page)
                browser.find_element(By.ID, "print-handout").click()
                assert browser.find_element(By.ID, "enrollment-code")
            elif url:
                browser.get(url)
            for width in (360, 390):
                viewport(browser, width)
                wide, room, rows, lines = browser.execute_script(_LAYOUT)
                if max(wide, room) > width:  # a phone shrinks a too-wide page to fit, so innerWidth grows too
                    faults.append(f"{language} {name} at {width} px: {wide} px wide")
                if rows != 1:
                    faults.append(f"{language} {name} at {width} px: the header on {rows} rows")
                if name in ("enrolled", "hand-out") and lines != 1:
                    faults.append(f"{language} {name} at {width} px: the code on {lines} lines")
            shots.take(f"{language}-{name}-390")
            faults += [f"{language} {name}: {fault}" for fault in serious_violations(browser)]
    print("\n".join(faults))
    assert not faults, faults


def test_the_worklist_refreshes_itself_and_keeps_a_note_being_typed(app, live_server, browser):
    from selenium.webdriver.common.by import By

    from tests.factories import create_clinic as api_clinic
    from tests.factories import enroll, record_treatment
    from tests.factories import sign_in as app_sign_in

    client = app.test_client()
    clinic = api_clinic(app)
    password = make_staff(app, clinic["id"], "nurse@clinic.example", "staff")
    urgent = {"ratings": {"redness": 3}, "red_flags": {"fever": True}}

    def alert_for(name: str) -> int:
        patient = enroll(client, clinic, display_name=name)
        record_treatment(client, clinic, patient["id"])
        headers = app_sign_in(client, patient["enrollment_code"])
        device = {"fid": f"{name}-phone", "platform": "android"}  # reachable: the alert is the only item
        assert client.post("/v1/me/devices", json=device, headers=headers).status_code == 201
        reply = client.post("/v1/me/checkins", json=urgent, headers=headers)
        return int(reply.get_json()["alert_id"])

    def refresh() -> None:
        """What the page's timer does, now; resolves once the page says it has refreshed."""
        browser.execute_async_script(
            "var done = arguments[0];"
            "document.addEventListener('worklist:refreshed', function () { done(); }, {once: true});"
            "document.dispatchEvent(new Event('worklist:refresh'));"
        )

    first = alert_for("Rosa")
    browser.get(f"{live_server}/console/login")
    browser.find_element(By.ID, "email").send_keys("nurse@clinic.example")
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "sign-in").click()
    assert browser.find_element(By.ID, f"alert-{first}")
    assert browser.title.startswith("(1) ")

    second = alert_for("Sara")
    refresh()
    assert browser.find_element(By.ID, f"alert-{second}") and browser.title.startswith("(2) ")

    note = browser.find_element(By.ID, f"note-{first}")
    note.send_keys("Called her, coming in at 5")
    third = alert_for("Tere")
    browser.execute_script("document.dispatchEvent(new Event('worklist:refresh'));")  # skipped at once: typing
    assert not browser.find_elements(By.ID, f"alert-{third}")
    assert browser.find_element(By.ID, f"note-{first}").get_attribute("value") == "Called her, coming in at 5"

    browser.find_element(By.ID, f"note-{first}").clear()
    browser.find_element(By.TAG_NAME, "h1").click()  # the field loses focus
    refresh()
    assert browser.find_element(By.ID, f"alert-{third}") and browser.title.startswith("(3) ")

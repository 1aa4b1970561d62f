"""The patient app in a real browser: Debian's Chromium, headless, a phone's viewport (390×844).

One story a patient lives through: open the join link from the hand-out (the code in its
fragment), tap Continue, read Today; make an urgent check-in; open a reminder and tap "Got it";
switch to Spanish; lose the network and still read My aftercare from the service worker. Every
page is checked at 320 and 390 px for sideways scrolling and by axe-core for serious or critical
accessibility violations. Screenshots of each step are printed (`pytest -s` shows them), with
each page's weight on first and repeat load.
"""

from __future__ import annotations

import requests

from companion.core.i18n import local_clock
from companion.extensions import db
from tests.browser import Shots, skip_without_browser
from tests.factories import create_clinic as make_clinic
from tests.factories import enroll, record_treatment, sign_in
from tests.patient_app.browser import (
    ZONE,
    LiveServer,
    live_server,
    notification_from_push,
    phone,
    serious_violations,
    too_small,
    viewport,
    weigh,
)

skip_without_browser()

__all__ = ["live_server", "phone"]  # fixtures

PAGES = ("/app/", "/app/aftercare", "/app/timeline", "/app/checkin", "/app/appointments", "/app/settings")
# The rows the navigation's visible tabs stand on (a menu button counts as a tab).
NAV_ROWS = """
var tops = {};
document.querySelectorAll('nav.tabs > a, nav.tabs > details').forEach(function (el) {
  var box = el.getBoundingClientRect();
  if (box.width) { tops[Math.round(box.top)] = true; }
});
return Object.keys(tops).length;
"""


def test_patient_story_on_a_phone(app, live_server: LiveServer, phone):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = phone
    base = live_server.url
    wait = WebDriverWait(driver, 15)
    clinic = make_clinic(app, "Clínica Luz")
    api = app.test_client()
    api.patch("/v1/clinic", json={"phone": "+34 600 111 222", "hours": "Mon–Fri 9:00–18:00"}, headers=clinic["headers"])
    patient = enroll(api, clinic, locale="en", timezone=ZONE)
    record_treatment(api, clinic, patient["id"])
    shots = Shots(driver, "app")
    viewport(driver, 390)
    axe_report: dict[str, list[str]] = {}
    weights: dict[str, tuple[int, int]] = {}

    def load(path: str) -> None:
        driver.get(f"{base}{path}")
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def check_page(name: str) -> None:
        for width in (320, 390):
            viewport(driver, width)
            wide = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert wide <= 0, f"{name} scrolls sideways by {wide}px at {width}px"
            small, low = too_small(driver)
            assert not small, f"{name}: text under 16 px at {width}px: {small[:3]}"
            assert not low, f"{name}: tap targets under 44 px at {width}px: {low[:3]}"
            rows = driver.execute_script(NAV_ROWS)
            assert rows <= 1, f"{name}: the navigation wraps to {rows} rows at {width}px"
        axe_report[name] = serious_violations(driver)

    # 1. The join link, as the QR code on the hand-out holds it: the page's script fills the code.
    assert patient["join_url"] == f"{base}/app/join#{patient['enrollment_code']}"
    load(patient["join_url"].removeprefix(base))
    code_field = driver.find_element(By.ID, "code")
    assert code_field.get_attribute("value") == patient["enrollment_code"]
    assert "#" not in driver.current_url  # the fragment is dropped from the address bar and history
    check_page("join")
    shots.take("join-code-filled")
    driver.find_element(By.ID, "continue").click()
    wait.until(lambda d: d.current_url.endswith("/app/"))

    # 2. Today: the makeup restriction and its end, in the patient's local time.
    with app.app_context():
        from companion.treatments.models import Restriction

        makeup = db.session.scalar(db.select(Restriction).where(Restriction.kind == "makeup"))
        expected_end = local_clock(makeup.ends_at, ZONE, "en")
    item = driver.find_element(By.CSS_SELECTOR, '#not-yet li[data-kind="makeup"]')
    assert expected_end in item.text and "until" in item.text
    wait.until(lambda d: d.execute_script("return !!navigator.serviceWorker.controller"))
    shots.take("today")

    # Every page: width at 320 and 390 px, axe-core, and bytes on first and repeat load.
    for path in PAGES:
        weights[path] = weigh(driver, live_server, load, path)
        check_page(path)
    viewport(driver, 390)

    # 3. An urgent check-in: the clinic's phone as a tel: link, before the advice.
    load("/app/checkin")
    driver.find_element(By.CSS_SELECTOR, "label[for=redness-2]").click()
    driver.find_element(By.CSS_SELECTOR, "label[for=flag-fever]").click()
    shots.take("checkin-form")
    driver.find_element(By.ID, "send-checkin").click()
    advice = wait.until(lambda d: d.find_element(By.ID, "advice"))
    assert advice.get_attribute("data-outcome") == "urgent"
    call = driver.find_element(By.ID, "clinic-phone")
    assert call.get_attribute("href") == "tel:+34600111222"
    assert call.location["y"] < advice.location["y"]
    assert "Mon–Fri 9:00–18:00" in driver.find_element(By.ID, "clinic-hours").text
    check_page("checkin-result")
    shots.take("checkin-urgent")

    # 4. A reminder (where a push leads) and "Got it"; the API then shows it acknowledged.
    load("/app/timeline")
    link = driver.find_element(By.CSS_SELECTOR, "#upcoming a[href^='/app/reminders/']")
    reminder_id = int(link.get_attribute("href").rsplit("/", 1)[1])
    link.click()
    wait.until(lambda d: d.find_element(By.ID, "got-it"))
    check_page("reminder")
    shots.take("reminder")
    driver.find_element(By.ID, "got-it").click()
    wait.until(lambda d: d.find_element(By.ID, "acknowledged"))
    shots.take("reminder-acknowledged")
    fresh = api.post(f"/v1/patients/{patient['id']}/enrollment-code", headers=clinic["headers"]).get_json()
    bearer = sign_in(api, fresh["enrollment_code"])
    acknowledged = requests.get(f"{base}/v1/me/reminders/{reminder_id}", headers=bearer, timeout=10).json()
    assert acknowledged["state"] == "acknowledged" and acknowledged["acknowledged_at"]

    # A push as the Web Push sender sends it (delivered by DevTools, as the push service would):
    # the service worker shows it with the reminder's page as its target.
    shown = notification_from_push(
        driver,
        base,
        {
            "title": "Reminder",
            "body": "Open the app to read it.",
            "url": f"/app/reminders/{reminder_id}",
            "tag": f"reminder-{reminder_id}",
        },
    )
    assert shown == [
        "Reminder",
        "Open the app to read it.",
        f"reminder-{reminder_id}",
        {"url": f"/app/reminders/{reminder_id}"},
    ]

    # 5. Spanish, reached through the phone's "More" menu (Settings is folded into it at 390 px).
    load("/app/")
    assert not driver.find_element(By.CSS_SELECTOR, "nav.tabs > a.wide[href='/app/settings']").is_displayed()
    driver.find_element(By.CSS_SELECTOR, "nav.tabs .more summary").click()
    driver.find_element(By.CSS_SELECTOR, "nav.tabs .more .menu a[href='/app/settings']").click()
    wait.until(lambda d: d.current_url.endswith("/app/settings"))
    driver.find_element(By.CSS_SELECTOR, "#locale option[value=es]").click()
    driver.find_element(By.ID, "save-settings").click()
    wait.until(lambda d: d.find_element(By.ID, "saved"))
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    viewport(driver, 320)
    assert driver.execute_script(NAV_ROWS) == 1, "the Spanish tabs wrap at 320 px"
    viewport(driver, 390)
    shots.take("settings-spanish")
    load("/app/aftercare")  # seen online in Spanish: this copy is kept for offline
    assert "Qué evitar y hasta cuándo" in driver.page_source
    load("/app/checkin")  # the form is open when the network goes

    # 6. Offline: My aftercare opens from the service worker, marked "last updated"; a check-in is refused.
    # The page's network conditions make the browser offline (navigator.onLine is false); they do not
    # reach the service worker's own fetches, so the server goes too, as it does for a phone in a tunnel.
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    try:
        driver.find_element(By.CSS_SELECTOR, "label[for=pain-1]").click()
        driver.find_element(By.ID, "send-checkin").click()
        wait.until(
            lambda d: (
                d.find_elements(By.CSS_SELECTOR, "#offline-refused:not([hidden])")
                or d.find_elements(By.ID, "offline-message")
            )
        )
        shots.take("offline-checkin-refused")
        live_server.stop()
        load("/app/aftercare")
        assert "Qué evitar y hasta cuándo" in driver.page_source
        stale = driver.find_element(By.CSS_SELECTOR, ".stale")
        assert stale.is_displayed() and "Última actualización" in stale.text
        shots.take("offline-aftercare")
    finally:
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
    with app.app_context():
        from companion.checkins.models import CheckIn

        assert db.session.scalar(db.select(db.func.count()).select_from(CheckIn)) == 1  # only the online one

    print("page weights (bytes over the wire, first load / repeat load):")
    for path, (first, repeat) in weights.items():
        print(f"  {path:20} {first:8d} {repeat:8d}")
    print("axe-core serious/critical violations:", {name: len(found) for name, found in axe_report.items()})
    assert not {name: found for name, found in axe_report.items() if found}
    assert all(path.stat().st_size > 2000 for path in shots.paths)

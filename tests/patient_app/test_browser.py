"""The patient app in a real browser: Debian's Chromium, headless, a phone's viewport (390×844).

One story a patient lives through: open the join link from the hand-out (the code in its
fragment), tap Continue, read Today; make an urgent check-in; open a reminder and tap "Got it";
switch to Spanish; lose the network and still read My aftercare from the service worker. Every
page is checked at 320 and 390 px for sideways scrolling and by axe-core for serious or critical
accessibility violations. Screenshots of each step are printed (`pytest -s` shows them), with
each page's weight on first and repeat load.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from companion.core.i18n import local_clock
from companion.extensions import db
from tests.factories import create_clinic as make_clinic
from tests.factories import enroll, record_treatment, sign_in

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_BROWSER = Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()

if not HAVE_BROWSER and not os.environ.get("CI"):
    pytest.skip(
        "Debian's chromium and chromium-driver are not installed (CI installs them: .ci/run)", allow_module_level=True
    )

PAGES = ("/app/", "/app/aftercare", "/app/timeline", "/app/checkin", "/app/appointments", "/app/settings")
ZONE = "America/Mexico_City"  # the local end time must differ from UTC and from the server's zone


class ByteCounter:
    """WSGI middleware: bytes the server sends (status line, headers, body), for page weights."""

    def __init__(self, app):
        self.app = app
        self.sent = 0
        self.lock = threading.Lock()

    def _add(self, count: int) -> None:
        with self.lock:
            self.sent += count

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").endswith(".webmanifest"):
            return self.app(environ, start_response)  # fetched whenever the browser likes: not part of a page load

        def counting(status, headers, exc_info=None):
            self._add(len(status) + sum(len(k) + len(v) + 4 for k, v in headers) + 4)
            return start_response(status, headers, exc_info)

        body = self.app(environ, counting)
        try:
            for chunk in body:
                self._add(len(chunk))
                yield chunk
        finally:
            if hasattr(body, "close"):
                body.close()


class LiveServer:
    def __init__(self, app):
        self.counter = ByteCounter(app.wsgi_app)
        self.server = make_server("127.0.0.1", 0, _Counted(app, self.counter), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.running = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """The network is gone: nothing answers on the origin (connections are refused)."""
        if self.running:
            self.running = False
            self.server.shutdown()
            self.server.server_close()


class _Counted:
    """The app with its WSGI callable wrapped, without touching the session-wide app object."""

    def __init__(self, app, counter):
        self.app, self.counter = app, counter

    def __call__(self, environ, start_response):
        return self.counter(environ, start_response)


@pytest.fixture
def live_server(app, monkeypatch):
    server = LiveServer(app)
    monkeypatch.setitem(app.config, "PUBLIC_URL", server.url)  # join links point here
    yield server
    server.stop()


@pytest.fixture
def phone():
    assert HAVE_BROWSER, "CI must install chromium and chromium-driver"
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never try to download a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="companion-phone-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=390,844",
        "--lang=en-US",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(3)
    driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ZONE})
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def viewport(driver, width: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": 844, "deviceScaleFactor": 1, "mobile": True}
    )


class Shots:
    def __init__(self, driver):
        self.driver = driver
        self.folder = Path(tempfile.mkdtemp(prefix="companion-app-shots-"))
        self.paths: list[Path] = []

    def take(self, name: str) -> None:
        path = self.folder / f"{len(self.paths) + 1:02d}-{name}.png"
        assert self.driver.save_screenshot(str(path))
        self.paths.append(path)
        print(f"screenshot: {path}")


def weigh(driver, server, load, path: str) -> tuple[int, int]:
    """Bytes the server sent for one page: first load (no HTTP cache, no service worker) and repeat load."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    driver.execute_cdp_cmd("Network.setBypassServiceWorker", {"bypass": True})
    before = server.counter.sent
    load(path)
    first = server.counter.sent - before
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
    driver.execute_cdp_cmd("Network.setBypassServiceWorker", {"bypass": False})
    load(path)  # fills the caches as a visit does
    before = server.counter.sent
    load(path)
    return first, server.counter.sent - before


def serious_violations(driver) -> list[str]:
    from axe_selenium_python import Axe

    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


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
    shots = Shots(driver)
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

    # 5. Spanish.
    load("/app/settings")
    driver.find_element(By.CSS_SELECTOR, "#locale option[value=es]").click()
    driver.find_element(By.ID, "save-settings").click()
    wait.until(lambda d: d.find_element(By.ID, "saved"))
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
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

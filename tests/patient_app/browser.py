"""A phone's browser for the patient app's suite: the shared headless Chromium (tests/browser.py) at a
phone's size and zone, a live server that counts the bytes it sends (page weights), axe-core."""

from __future__ import annotations

import json
import threading

import pytest
from werkzeug.serving import make_server

from tests.browser import chromium

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
    with chromium("390,844", wait=3, profile="phone", flags=("--lang=en-US",)) as driver:
        driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ZONE})
        yield driver


def viewport(driver, width: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": 844, "deviceScaleFactor": 1, "mobile": True}
    )


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


# Text smaller than 16 px, and things to tap lower than 44 px (checkboxes and radios count by their label row).
_SIZES = """
var small = [], low = [];
var choice = 'input[type=radio], input[type=checkbox]';
var tap = 'a[href], button, select, textarea, input:not([type=hidden]):not([type=radio]):not([type=checkbox])';
document.querySelectorAll('body *').forEach(function (el) {
  var box = el.getBoundingClientRect();
  if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') { return; }
  var own = Array.prototype.some.call(el.childNodes, function (n) {
    return n.nodeType === 3 && n.textContent.trim();
  });
  var name = el.tagName + ' ' + (el.id || el.textContent.trim().slice(0, 30));
  if (own && parseFloat(getComputedStyle(el).fontSize) < 16) { small.push(name); }
  var row = el.matches(choice) ? el.parentElement.getBoundingClientRect() : box;
  if ((el.matches(tap) || el.matches(choice)) && row.height < 44 && el.className !== 'skip') {
    low.push(name + ' ' + Math.round(row.height));
  }
});
return [small, low];
"""


def too_small(driver) -> tuple[list[str], list[str]]:
    small, low = driver.execute_script(_SIZES)
    return small, low


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


def notification_from_push(driver, base: str, payload: dict) -> list:
    """Deliver `payload` to the app's service worker as a push and return the notification it shows
    ([title, body, tag, data]). A fresh profile's first registration has a small id; delivering to an
    id that does not exist does nothing, and a repeat replaces the notification (same tag)."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_cdp_cmd("Browser.grantPermissions", {"permissions": ["notifications"], "origin": base})
    driver.execute_cdp_cmd("ServiceWorker.enable", {})

    def shown(d):
        for registration in ("0", "1", "2", "3"):
            d.execute_cdp_cmd(
                "ServiceWorker.deliverPushMessage",
                {"origin": base + "/", "registrationId": registration, "data": json.dumps(payload)},
            )
        found = d.execute_async_script(
            "var done = arguments[0]; navigator.serviceWorker.ready.then(function (r) { return r.getNotifications(); })"
            ".then(function (ns) { done(ns.map(function (n) { return [n.title, n.body, n.tag, n.data]; })); });"
        )
        return found[0] if found else None

    return WebDriverWait(driver, 15, poll_frequency=0.5).until(shown)

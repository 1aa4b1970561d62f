"""Finding 8 (headers, offline docs, operator endpoints) and finding 9 (setuptools in the build)."""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.metadata import version

import pytest

from tests.factories import create_clinic

OUTSIDE = {"REMOTE_ADDR": "198.51.100.7"}


def test_api_answers_are_not_cached_and_not_sniffed(app, client):
    clinic = create_clinic(app)
    for response in (client.get("/v1/clinic", headers=clinic["headers"]), client.get("/v1/clinic")):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/openapi.json").headers["X-Content-Type-Options"] == "nosniff"


def test_docs_work_offline_under_a_strict_csp(client):
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "cdn" not in html and "https://" not in html and "http://" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 3
    for asset in assets:
        fetched = client.get(asset)
        assert fetched.status_code == 200, asset
        assert fetched.headers["X-Content-Type-Options"] == "nosniff"
        fetched.close()
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    [inline] = re.findall(r"<script>(.*?)</script>", html, re.S)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp  # the page's own initialiser may run, nothing else inline


def test_metrics_need_the_operator_token_or_loopback(app, client, monkeypatch):
    assert client.get("/metrics").status_code == 200  # the test client calls from 127.0.0.1
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 401
    # a proxy on the same host: every caller looks local, so a forwarded request is not trusted
    assert client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 401
    monkeypatch.setitem(app.config, "OPS_TOKEN", "ops-secret-for-tests")
    ok = client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": "Bearer ops-secret-for-tests"})
    assert ok.status_code == 200 and b"companion_reminders" in ok.data
    wrong = client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "unauthorized"


def test_healthz_details_are_for_operators_only(app, client, monkeypatch):
    public = client.get("/healthz", environ_base=OUTSIDE)
    assert public.status_code == 200
    assert public.get_json() == {"status": public.get_json()["status"], "database": "ok"}
    assert "dispatcher" in client.get("/healthz").get_json()
    monkeypatch.setitem(app.config, "OPS_TOKEN", "ops-secret-for-tests")
    detailed = client.get("/healthz", environ_base=OUTSIDE, headers={"Authorization": "Bearer ops-secret-for-tests"})
    assert "dispatcher" in detailed.get_json()


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def test_the_build_uses_a_setuptools_past_the_published_advisories():
    # CVE-2024-6345 (fixed in 70.0) and CVE-2025-47273 (fixed in 78.1.1)
    pytest.importorskip("setuptools")
    assert _version_tuple(version("setuptools")) >= (78, 1, 1)

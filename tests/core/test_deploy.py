"""deploy/: what can be checked without a container engine or systemd (nginx -t runs in
tests/drills/test_multihost.py, which serves the API through deploy/nginx/companion.conf)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from companion.config import SETTINGS

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ROOT = DEPLOY.parent


def test_the_env_example_names_only_real_settings():
    names = [line.split("=", 1)[0] for line in (DEPLOY / "companion.env.example").read_text().splitlines()]
    names = [n for n in names if n and not n.startswith("#")]
    known = {setting.name for setting in SETTINGS.values()}
    unknown = [n for n in names if n.removeprefix("COMPANION_") not in known]
    assert names and unknown == []


def test_the_image_copies_files_that_exist_and_its_commands_are_the_procfiles():
    containerfile = (DEPLOY / "Containerfile").read_text()
    for sources in re.findall(r"^COPY (.+) \S+$", containerfile, flags=re.M):
        for source in sources.split():
            assert (ROOT / source).exists(), source
    subprocess.run(["sh", "-n", str(DEPLOY / "entrypoint.sh")], check=True)
    entrypoint = (DEPLOY / "entrypoint.sh").read_text()
    procfile = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)
    assert procfile["dispatcher"] in entrypoint.replace("exec ", "")
    assert "gunicorn -c gunicorn.conf.py" in procfile["web"] and "gunicorn -c gunicorn.conf.py" in entrypoint


def test_systemd_units_start_the_procfile_commands_with_the_env_file():
    web = (DEPLOY / "systemd" / "companion-web.service").read_text()
    dispatcher = (DEPLOY / "systemd" / "companion-dispatcher.service").read_text()
    for unit in (web, dispatcher):
        assert "EnvironmentFile=/etc/companion/companion.env" in unit and "[Install]" in unit
    assert "gunicorn -c gunicorn.conf.py" in web
    assert "flask --app wsgi companion dispatcher" in dispatcher


def test_the_nginx_front_sends_the_headers_trusted_proxies_expects():
    conf = (DEPLOY / "nginx" / "companion.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "COMPANION_TRUSTED_PROXIES=1" in conf
    # POSTs are retried on another host only with an Idempotency-Key.
    assert re.search(r"location @idempotent \{[^}]*non_idempotent", conf)
    assert "non_idempotent" not in conf.split("location / {")[1].split("}")[0]

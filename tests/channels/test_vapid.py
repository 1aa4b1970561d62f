"""The VAPID key pair: made once into the instance folder, or given by setting."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from companion import config
from companion.channels.vapid import KEY_FILE, application_server_key


def _point(key: str) -> ec.EllipticCurvePublicKey:
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65 and raw[0] == 4 and "=" not in key
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)


def test_a_key_pair_is_made_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("COMPANION_VAPID_PRIVATE_KEY", raising=False)

    first = config.from_environment(str(tmp_path))
    again = config.from_environment(str(tmp_path))  # another worker, or a restart

    key = application_server_key(first)
    _point(key)
    assert application_server_key(again) == key
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600


def test_a_key_given_by_setting_wins_in_either_common_form(tmp_path, monkeypatch):
    vapid = Vapid02()
    vapid.generate_keys()
    raw = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    expected = application_server_key({"VAPID_PRIVATE_KEY": vapid.private_pem().decode()})

    for given in (vapid.private_pem().decode(), base64.urlsafe_b64encode(raw).decode().rstrip("=")):
        monkeypatch.setenv("COMPANION_VAPID_PRIVATE_KEY", given)
        assert application_server_key(config.from_environment(str(tmp_path))) == expected
    assert not (tmp_path / KEY_FILE).exists()


def test_browser_pushes_go_to_the_log_until_a_vapid_contact_is_set(tmp_path, monkeypatch):
    monkeypatch.delenv("COMPANION_VAPID_SUBJECT", raising=False)
    monkeypatch.delenv("COMPANION_WEBPUSH_BACKEND", raising=False)
    assert config.from_environment(str(tmp_path))["WEBPUSH_BACKEND"] == "log"

    monkeypatch.setenv("COMPANION_VAPID_SUBJECT", "mailto:ops@clinic.example")
    assert config.from_environment(str(tmp_path))["WEBPUSH_BACKEND"] == "webpush"

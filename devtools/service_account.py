"""A freshly generated service-account key whose token endpoint is the fake FCM server.

google-auth signs a real RS256 JWT with it, so the SDK's whole OAuth path runs.
"""

from __future__ import annotations

import functools
import json
import secrets
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_PROJECT = "aftercare-test"


@functools.lru_cache(maxsize=1)
def _private_key_pem() -> str:
    """One key per process: generating RSA keys is the slow part and tests need no variety."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def service_account_info(token_uri: str, project_id: str = DEFAULT_PROJECT) -> dict[str, Any]:
    email = f"firebase-adminsdk@{project_id}.iam.gserviceaccount.com"
    return {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": secrets.token_hex(20),
        "private_key": _private_key_pem(),
        "client_email": email,
        "client_id": str(secrets.randbelow(10**20)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{email}",
        "universe_domain": "googleapis.com",
    }


def write_service_account(path: str | Path, token_uri: str, project_id: str = DEFAULT_PROJECT) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(service_account_info(token_uri, project_id), indent=2))
    target.chmod(0o600)
    return target

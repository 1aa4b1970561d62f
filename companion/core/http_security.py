"""Response headers every answer carries, the offline API docs, and who may read operator endpoints."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
from importlib import resources

from flask import Flask, Response, redirect, request, send_from_directory
from werkzeug.wrappers import Response as WerkzeugResponse

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)
DOCS_ASSETS = "/docs/assets"
HSTS_SECONDS = 365 * 24 * 3600  # browsers remember "https only" for a year


def swagger_ui_dir() -> str:
    """Swagger UI's built files, shipped inside the flask-swagger-ui package (its blueprint is not used)."""
    return str(resources.files("flask_swagger_ui") / "dist")


def _docs_csp(body: bytes) -> str:
    # The page's one inline script is allowed by its hash, not by 'unsafe-inline'.
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(body)
    )
    return (
        "default-src 'none'; "
        f"script-src 'self' {hashes}; "
        "style-src 'self' 'unsafe-inline'; "  # Swagger UI sets style attributes at run time
        "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def register_security_headers(app: Flask) -> None:
    @app.route(f"{DOCS_ASSETS}/<path:filename>")
    def docs_asset(filename: str) -> Response:
        return send_from_directory(swagger_ui_dir(), filename, max_age=3600)

    @app.before_request
    def _https_only() -> WerkzeugResponse | None:
        # COMPANION_FORCE_HTTPS: plain http is sent to https (308 keeps a form's method and body);
        # behind a TLS proxy, request.is_secure comes from its X-Forwarded-Proto (COMPANION_TRUSTED_PROXIES).
        if app.config.get("FORCE_HTTPS") and not request.is_secure and not request.path.startswith("/healthz"):
            return redirect(request.url.replace("http://", "https://", 1), code=308)
        return None

    @app.before_request
    def _operators_only() -> Response | None:
        if request.path == "/metrics" and not operator_may_read():
            from companion.core.errors import error_body

            return error_body(401, "unauthorized", "Metrics need the operator token (COMPANION_OPS_TOKEN).")
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        path = request.path
        if path.startswith(("/v1", "/console")):
            # Patient data must not sit in a shared or browser cache.
            response.headers["Cache-Control"] = "no-store"
        elif path == app.config.get("OPENAPI_SWAGGER_UI_PATH", "/docs") and response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = _docs_csp(response.get_data())
        elif path.startswith(("/metrics", "/healthz")):
            response.headers["Cache-Control"] = "no-store"
        if response.mimetype == "text/html":
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if app.config.get("FORCE_HTTPS") and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_SECONDS}")
        return response


def operator_may_read() -> bool:
    """/metrics and the detailed /healthz: the configured token, or a loopback caller with no
    proxy in between (a reverse proxy on the same host makes every caller look local)."""
    from flask import current_app

    token = current_app.config.get("OPS_TOKEN")
    header = request.headers.get("Authorization", "")
    if token and header.lower().startswith("bearer "):
        return hmac.compare_digest(header[7:].strip().encode(), token.encode())
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False

"""The firebase-admin internals the sender relies on, so an SDK upgrade that moves them fails here first.

Pinned in pyproject.toml; each check names what the sender does with the internal.
"""

import json

import httpx
import requests
from firebase_admin import exceptions, messaging

from companion.channels.fcm_message import encode


def test_the_messages_encoder_is_the_sdks():
    message = messaging.Message(fid="fid-1", data={"k": "v"}, android=messaging.AndroidConfig(priority="high"))
    assert json.loads(encode(message)) == {"message": messaging._MessagingService.encode_message(message)}
    assert json.loads(encode(message))["message"] == {
        "fid": "fid-1",
        "data": {"k": "v"},
        "android": {"priority": "high"},
    }


def test_fcm_headers_are_on_the_service(fcm_config):
    from companion.channels.fcm import FcmSender

    sender = FcmSender.from_config(fcm_config)
    try:
        headers = sender._service._fcm_headers
    finally:
        sender.close()
    assert headers["X-GOOG-API-FORMAT-VERSION"] == "2"
    assert headers["X-FIREBASE-CLIENT"].startswith("fire-admin-python/")


def _status_error(status: int, body: dict) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", "http://127.0.0.1/v1/projects/p/messages:send")
    response = httpx.Response(status, json=body, headers={"Retry-After": "7"}, request=request)
    return httpx.HTTPStatusError("error", request=request, response=response)


def test_an_fcm_error_answer_becomes_the_sdks_exception_with_the_response():
    service_class = messaging._MessagingService
    body = {
        "error": {
            "code": 404,
            "status": "NOT_FOUND",
            "message": "gone",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}],
        }
    }
    error = service_class._handle_fcm_httpx_error(None, _status_error(404, body))
    assert isinstance(error, messaging.UnregisteredError)
    assert error.http_response.status_code == 404 and error.http_response.headers.get("Retry-After") == "7"
    plain = service_class._handle_fcm_httpx_error(None, _status_error(503, {"error": {"status": "UNAVAILABLE"}}))
    assert isinstance(plain, exceptions.UnavailableError)


def test_transport_failures_become_the_sdks_exceptions_with_their_cause():
    service_class = messaging._MessagingService
    timeout = service_class._handle_fcm_error(None, requests.exceptions.ReadTimeout("slow"))
    dropped = service_class._handle_fcm_error(None, requests.exceptions.ConnectionError("reset"))
    assert isinstance(timeout, exceptions.DeadlineExceededError) and timeout.http_response is None
    assert isinstance(dropped, exceptions.UnavailableError) and type(dropped.cause).__name__ == "ConnectionError"

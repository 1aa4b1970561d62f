"""Development tools shared by the tests and the benchmarks, never by the service.

- `fcm_server`: a fake FCM HTTP v1 server with fault injection (`python -m devtools.fcm_server`)
- `sink`: a fast FCM endpoint that only says yes, for benchmarks (`python -m devtools.sink`)
- `service_account`: service-account keys whose token endpoint is one of those
- `webhook_receiver`: a clinic's webhook endpoint that records and answers as scripted
- `dns`, `hostile_endpoints`: name resolution from a table, and endpoints that misbehave, for the webhook-target checks
- `processes`: free ports, the environment of a child process, spawning the dispatcher
- `stats`: percentiles
- `pytest_plugin`: the fixtures built on these (registered in tests/conftest.py)
"""

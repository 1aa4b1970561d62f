"""gunicorn settings read at start (`gunicorn -c gunicorn.conf.py wsgi:app`, as the Procfile does).

gunicorn answers an over-long request line with its own HTML 414 before the app sees it;
with no limit here the app answers every over-long URL with the JSON error instead
(core/requests.py, 8 KiB). A proxy in front still bounds what reaches us.
"""

# Access lines never hold push identifiers (companion/ops/access_log.py).
logger_class = "companion.ops.access_log.AccessLogger"
limit_request_line = 0  # unlimited: the app decides (JSON 414)
limit_request_field_size = 16380  # header lines (bearer tokens, forwarded chains) twice the default

"""gunicorn settings read at start (`gunicorn -c gunicorn.conf.py wsgi:app`)."""

# Access lines never hold push identifiers (companion/ops/access_log.py).
logger_class = "companion.ops.access_log.AccessLogger"

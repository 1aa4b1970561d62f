#!/bin/sh
# The image's commands: web, dispatcher, migrate; anything else runs as given.
set -eu
command="${1:-web}"
[ "$#" -gt 0 ] && shift
case "$command" in
    web)
        # Behind the nginx of deploy/nginx/companion.conf: COMPANION_TRUSTED_PROXIES=1.
        exec gunicorn -c gunicorn.conf.py --bind "0.0.0.0:${PORT:-8000}" \
            --workers "${WEB_WORKERS:-2}" --access-logfile - "$@" wsgi:app
        ;;
    dispatcher)
        exec flask --app wsgi companion dispatcher --metrics-port "${METRICS_PORT:-9101}" "$@"
        ;;
    migrate)
        exec flask --app wsgi db upgrade "$@"
        ;;
    *)
        exec "$command" "$@"
        ;;
esac

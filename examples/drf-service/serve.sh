#!/usr/bin/env bash
# Usage: serve.sh PORT — runs the service on 127.0.0.1:PORT with Debian's Django, DRF and SimpleJWT.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
unset PYTHONPATH PYTHONHOME
export PYTHONDONTWRITEBYTECODE=1 DJANGO_SETTINGS_MODULE=service.settings
exec /usr/bin/python3 -m gunicorn --workers 1 --bind "127.0.0.1:${1:?usage: serve.sh PORT}" --log-level warning service.wsgi:application

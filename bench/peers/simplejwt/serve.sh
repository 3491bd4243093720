#!/usr/bin/env bash
# Usage: serve.sh PORT DBDIR
# Migrates a fresh SQLite database in DBDIR, creates alice, bob and the
# inactive carol, and runs the peer under gunicorn on 127.0.0.1:PORT with
# PEER_WORKERS sync workers (default 2; bench/run.mjs uses 2 x cores + 1).
# PEER_SECRET_KEY sets Django's SECRET_KEY (the JWT signing key).
set -euo pipefail
if [ $# -ne 2 ]; then echo "usage: $0 PORT DBDIR" >&2; exit 2; fi
PORT=$1
export PEER_DB_DIR=$2
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
mkdir -p "$PEER_DB_DIR"
# Debian's interpreter, not whatever python3 is first on PATH.
PY=/usr/bin/python3
export DJANGO_SETTINGS_MODULE=peer.settings
unset PYTHONPATH PYTHONHOME
export PYTHONDONTWRITEBYTECODE=1
"$PY" manage.py migrate --noinput -v 0
"$PY" seed_users.py
exec "$PY" -m gunicorn --workers "${PEER_WORKERS:-2}" --bind "127.0.0.1:$PORT" --log-level warning peer.wsgi:application

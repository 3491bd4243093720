#!/usr/bin/env bash
# Installs what the SimpleJWT reference peer needs, from Debian, if missing.
set -euo pipefail
PY=/usr/bin/python3
if [ -x "$PY" ] && "$PY" -c 'import django, rest_framework, rest_framework_simplejwt.token_blacklist, gunicorn' 2>/dev/null; then
  echo "simplejwt peer: Django $("$PY" -c 'import django; print(django.get_version())'), DRF and SimpleJWT already installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
$SUDO apt-get install -y python3-django python3-djangorestframework python3-djangorestframework-simplejwt gunicorn

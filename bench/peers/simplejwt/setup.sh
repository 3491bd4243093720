#!/usr/bin/env bash
# Installs, from Debian and only if missing, what the SimpleJWT reference peer needs, and what the Django
# import tests' fixture needs besides (packages/server/test/django-import/make_django_db.py): Django's argon2
# and bcrypt hashers' libraries, and psycopg2 to make the fixture in PostgreSQL.
set -euo pipefail
PY=/usr/bin/python3
if [ -x "$PY" ] && "$PY" -c 'import django, rest_framework, rest_framework_simplejwt.token_blacklist, gunicorn, argon2, bcrypt, psycopg2' 2>/dev/null; then
  echo "simplejwt peer: Django $("$PY" -c 'import django; print(django.get_version())'), DRF, SimpleJWT, argon2, bcrypt and psycopg2 already installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
$SUDO apt-get install -y python3-django python3-djangorestframework python3-djangorestframework-simplejwt gunicorn \
  python3-argon2 python3-bcrypt python3-psycopg2

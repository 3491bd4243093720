#!/usr/bin/python3
"""Makes a Django project's database as a real one looks, for the tests of
`tessera import django` and of the cutover: users hashed by Django itself
with each hasher (Debian's python3-django 3.2 with python3-argon2 and
python3-bcrypt; scrypt as Django 4.0+'s ScryptPasswordHasher writes it, which
3.2 lacks), groups and permissions, seed 004's one-to-one Profile (with
seed 002's role), an unusable password, an inactive user, DRF authtoken keys,
and SimpleJWT tokens (outstanding, blacklisted, expired; int and string
user_id). Writes what the tests need to know (passwords, tokens, keys) as
JSON on stdout.

  make_django_db.py sqlite PATH
  make_django_db.py postgres DBNAME HOST PORT USER SCHEMA

Environment: FIXTURE_SECRET_KEY, Django's SECRET_KEY (SimpleJWT signs with it).
"""
import base64
import hashlib
import json
import os
import sys
import time
from datetime import datetime, timedelta, timezone

import django
from django.conf import settings

SECRET_KEY = os.environ["FIXTURE_SECRET_KEY"]
kind = sys.argv[1]
if kind == "sqlite":
    DATABASE = {"ENGINE": "django.db.backends.sqlite3", "NAME": sys.argv[2]}
else:
    name, host, port, user, schema = sys.argv[2:7]
    DATABASE = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name, "HOST": host, "PORT": port, "USER": user,
        "OPTIONS": {"options": "-c search_path=%s" % schema},
    }

settings.configure(
    SECRET_KEY=SECRET_KEY,
    USE_TZ=True,
    DATABASES={"default": DATABASE},
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "rest_framework",
        "rest_framework.authtoken",
        "rest_framework_simplejwt",
        "rest_framework_simplejwt.token_blacklist",
    ],
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
        "django.contrib.auth.hashers.BCryptPasswordHasher",
        "django.contrib.auth.hashers.SHA1PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.UnsaltedMD5PasswordHasher",
    ],
    SIMPLE_JWT={
        "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
        "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
        "ALGORITHM": "HS256",
        "SIGNING_KEY": SECRET_KEY,
    },
)
django.setup()

from django.contrib.auth import hashers  # noqa: E402
from django.contrib.auth.models import Group, Permission, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

call_command("migrate", verbosity=0)


class Profile(models.Model):
    """Seed 004's profile, with the role seed 002 reads from it."""
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField()
    role = models.CharField(max_length=32, default="viewer")

    class Meta:
        app_label = "base"


with connection.schema_editor() as editor:
    editor.create_model(Profile)


def scrypt(password):
    """Django 4.0+'s ScryptPasswordHasher, at its defaults but N=2^14."""
    salt = hashers.get_hasher("md5").salt()
    n, r, p = 2 ** 14, 8, 1
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=64 * 2 ** 20, dklen=64)
    return "scrypt$%d$%s$%d$%d$%s" % (n, salt, r, p, base64.b64encode(digest).decode("ascii"))


def hashed(password, algorithm):
    if algorithm == "scrypt":
        return scrypt(password)
    encoded = hashers.make_password(password, "" if algorithm == "unsalted_md5" else None, algorithm)
    assert hashers.check_password(password, encoded), algorithm
    return encoded


joined = datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
LONG = "bcrypt-sha256 keeps every byte of a long password: " + "x" * 60
SPECS = [
    # username, algorithm, password, fields
    ("admin", "pbkdf2_sha256", "admin-pass-1", dict(is_staff=True, is_superuser=True)),
    ("gone", "md5", "gone-pass-1", {}),  # deleted below: ids keep a gap
    ("pb_sha1", "pbkdf2_sha1", "pb-sha1-pass", {}),
    ("argon", "argon2", "argon-pass-1", {}),
    ("bc_sha", "bcrypt_sha256", LONG, {}),
    ("bc", "bcrypt", "bcrypt-pass-1", {}),
    ("scrypter", "scrypt", "scrypt-pass-1", {}),
    ("md5user", "md5", "md5-pass-1", {}),
    ("sha1user", "sha1", "sha1-pass-1", {}),
    ("bare_md5", "unsalted_md5", "bare-md5-pass", {}),
    ("nopass", None, None, {}),
    ("sleeper", "pbkdf2_sha256", "sleeper-pass-1", dict(is_active=False)),
    ("editor", "pbkdf2_sha256", "editor-pass-1",
     dict(first_name="Ed", last_name="Itor", email="ed@django.example", is_staff=True)),
    ("émile", "argon2", "émile-pass-1", dict(first_name="Émile")),
]

users = {}
out_users = []
for index, (username, algorithm, password, fields) in enumerate(SPECS):
    fields = {"email": "%s@example.com" % username, **fields}
    user = User(username=username, date_joined=joined + timedelta(days=index), **fields)
    if algorithm is None:
        user.set_unusable_password()
    else:
        user.password = hashed(password, algorithm)
    if index % 3 == 0:
        user.last_login = joined + timedelta(days=index, hours=5)
    user.save()
    users[username] = user
    out_users.append(dict(id=user.id, username=username, algorithm=algorithm, password=password))
users.pop("gone").delete()
out_users = [u for u in out_users if u["username"] != "gone"]

# Groups and permissions, as get_all_permissions() sees them: the user's own and their groups'.
editors = Group.objects.create(name="editors")
editors.permissions.add(Permission.objects.get(codename="view_user"), Permission.objects.get(codename="change_user"))
reviewers = Group.objects.create(name="reviewers")
reviewers.permissions.add(Permission.objects.get(codename="view_user"), Permission.objects.get(codename="view_group"))
users["editor"].groups.add(editors, reviewers)
users["editor"].user_permissions.add(Permission.objects.get(codename="add_token"))
users["argon"].user_permissions.add(Permission.objects.get(codename="view_group"))
users["sleeper"].user_permissions.add(Permission.objects.get(codename="view_group"))
permissions = {
    name: sorted(User.objects.get(pk=u.pk).get_all_permissions()) for name, u in users.items()
}

# Seed 004's profile keeps names and email of its own; seed 002's role lives there.
Profile.objects.create(user=users["editor"], first_name="Edna", last_name="Profile",
                       email="edna@profile.example", role="editor")
Profile.objects.create(user=users["argon"], first_name="Argo", last_name="", email="argo@profile.example",
                       role="viewer")

# DRF's authtoken keys (seed 002's legacy clients).
drf = {name: Token.objects.create(user=users[name]).key for name in ("editor", "md5user", "sleeper")}


def refresh_for(user, user_id=None, lifetime=None):
    token = RefreshToken.for_user(user)
    if user_id is not None:
        token["user_id"] = user_id
    if lifetime is not None:
        token.set_exp(lifetime=lifetime)
    return token


outstanding_int = refresh_for(users["admin"])
outstanding_str = refresh_for(users["editor"], user_id=str(users["editor"].id))
blacklisted = refresh_for(users["md5user"])
blacklisted.blacklist()
expired = refresh_for(users["bc"], lifetime=timedelta(seconds=-60))
inactive = refresh_for(users["sleeper"])
deleted = RefreshToken()
deleted["user_id"] = users["editor"].id + 1000

print(json.dumps({
    "django": django.get_version(),
    "generated_at_ms": int(time.time() * 1000),
    "users": out_users,
    "permissions": permissions,
    "drf_tokens": drf,
    "refresh": {
        "outstanding_int": str(outstanding_int),
        "outstanding_str": str(outstanding_str),
        "blacklisted": str(blacklisted),
        "expired": str(expired),
        "inactive_user": str(inactive),
        "unknown_user": str(deleted),
    },
    "access": {
        "admin": str(outstanding_int.access_token),
        "editor_str": str(outstanding_str.access_token),
        "blacklisted_session": str(blacklisted.access_token),
    },
}, ensure_ascii=False, indent=1))

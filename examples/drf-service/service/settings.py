"""
A Django REST Framework API that trusts tessera's access tokens, verified by
SimpleJWT without a database of users (JWTStatelessUserAuthentication).

Environment:
  TESSERA_URL         tessera's base URL, e.g. http://127.0.0.1:8000 (its path prefix included)
  TESSERA_ALGORITHM   the algorithm tessera signs with: ES256 or RS256 (keys from tessera's JWKS),
                      or HS256 (the shared key below). SimpleJWT 5.2 has no EdDSA.
  TESSERA_SECRET_KEY  HS256 only: tessera's TESSERA_SECRET_KEY
  TESSERA_ISSUER, TESSERA_AUDIENCE   when tessera sets them
"""
import os

ALGORITHM = os.environ.get("TESSERA_ALGORITHM", "ES256")
SHARED_KEY = ALGORITHM == "HS256"

SECRET_KEY = "drf-service-example-django-key-" + "x" * 32
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "rest_framework"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "service.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True

REST_FRAMEWORK = {
    # The user is the token's: no query per request, no copy of tessera's users.
    "DEFAULT_AUTHENTICATION_CLASSES": ("rest_framework_simplejwt.authentication.JWTStatelessUserAuthentication",),
    "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAuthenticated",),
    "UNAUTHENTICATED_USER": None,
}

SIMPLE_JWT = {
    "ALGORITHM": ALGORITHM,
    "SIGNING_KEY": os.environ["TESSERA_SECRET_KEY"] if SHARED_KEY else None,
    "VERIFYING_KEY": None,
    # PyJWKClient picks the key by the token's kid, and fetches the set again for a kid it has not seen.
    "JWK_URL": None if SHARED_KEY else os.environ["TESSERA_URL"].rstrip("/") + "/.well-known/jwks.json",
    "ISSUER": os.environ.get("TESSERA_ISSUER") or None,
    "AUDIENCE": os.environ.get("TESSERA_AUDIENCE") or None,
    "USER_ID_CLAIM": "user_id",
    "AUTH_TOKEN_CLASSES": ("rest_framework_simplejwt.tokens.AccessToken",),
}

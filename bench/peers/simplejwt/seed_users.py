"""Creates the users the diff expects (idempotent)."""
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402

USERS = [
    dict(username="alice", password="correct-horse-1", first_name="Alice",
         last_name="Liddell", email="alice@example.com", is_active=True),
    dict(username="bob", password="correct-horse-2", first_name="Bob",
         last_name="", email="bob@example.com", is_active=True),
    dict(username="carol", password="correct-horse-3", first_name="Carol",
         last_name="", email="carol@example.com", is_active=False),
]

for spec in USERS:
    spec = dict(spec)
    password = spec.pop("password")
    user, _ = User.objects.get_or_create(username=spec["username"], defaults=spec)
    for key, value in spec.items():
        setattr(user, key, value)
    user.set_password(password)
    user.save()

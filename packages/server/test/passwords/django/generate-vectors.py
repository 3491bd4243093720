"""Writes vectors.json: hashes made by Django's own make_password (Debian's
python3-django 3.2, with python3-argon2 and python3-bcrypt), at small work
factors so the suite stays fast, plus scrypt made as Django 4.0+'s
ScryptPasswordHasher makes it (Django 3.2 has none). Run with the system
Python: /usr/bin/python3 generate-vectors.py"""
import base64, hashlib, json, django
from django.conf import settings

settings.configure(PASSWORD_HASHERS=[
    'django.contrib.auth.hashers.PBKDF2PasswordHasher',
    'django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher',
    'django.contrib.auth.hashers.Argon2PasswordHasher',
    'django.contrib.auth.hashers.BCryptSHA256PasswordHasher',
    'django.contrib.auth.hashers.BCryptPasswordHasher',
    'django.contrib.auth.hashers.SHA1PasswordHasher',
    'django.contrib.auth.hashers.MD5PasswordHasher',
    'django.contrib.auth.hashers.UnsaltedMD5PasswordHasher',
])
django.setup()
from django.contrib.auth import hashers

def scrypt(password, salt, n=2**14, r=8, p=1):
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=256 * 2**20, dklen=64)
    return 'scrypt$%d$%s$%d$%d$%s' % (n, salt, r, p, base64.b64encode(digest).decode('ascii'))

long_password = 'VSK0UYV6FFQVZ0KG88DYN9WADAADZO1CTSIVDJUNZSUML6IBX7LN7ZS3R5JGB3RGZ7VI7G7DJQ9NI8BQFSRPTG6UWTTVESA5ZPUN'
passwords = ['lètmein', '', 'correct horse battery staple', '密码パスワード🔑', long_password]
hashers.PBKDF2PasswordHasher.iterations = 1000
hashers.PBKDF2SHA1PasswordHasher.iterations = 1000
hashers.BCryptPasswordHasher.rounds = 4
hashers.BCryptSHA256PasswordHasher.rounds = 4
hashers.Argon2PasswordHasher.memory_cost = 64
hashers.Argon2PasswordHasher.time_cost = 1
hashers.Argon2PasswordHasher.parallelism = 2
vectors = []
for algorithm in ['pbkdf2_sha256', 'pbkdf2_sha1', 'argon2', 'bcrypt_sha256', 'bcrypt', 'sha1', 'md5', 'unsalted_md5']:
    for password in passwords:
        salt = '' if algorithm == 'unsalted_md5' else None
        encoded = hashers.make_password(password, salt, algorithm)
        assert hashers.check_password(password, encoded)
        vectors.append({'algorithm': algorithm, 'password': password, 'encoded': encoded})
for password in passwords:
    vectors.append({'algorithm': 'scrypt', 'password': password, 'encoded': scrypt(password, hashers.get_hasher('md5').salt(), n=2**10)})
with open('vectors.json', 'w') as out:
    json.dump({'django': django.get_version(), 'vectors': vectors}, out, ensure_ascii=False, indent=1)
    out.write('\n')

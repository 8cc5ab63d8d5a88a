"""WSGI entry point: pages and the API in production (gunicorn -c config/gunicorn.conf.py).

Sign-up POSTs pass the waiting room in front of Django (`SignupAdmission`): at a wave opening a
refusal must come back in milliseconds, without a Django request or middleware, and without waiting
behind the sign-ups that are hashing passwords.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django_application = get_wsgi_application()

from prakerja.accounts.admission import SignupAdmission  # noqa: E402 (needs Django set up)

application = SignupAdmission(django_application)

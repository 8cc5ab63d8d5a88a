"""django-helpdesk, set up at run time for `bench/tickets.py` to measure against.

None of django-helpdesk's code is in this repository: `install` makes a throwaway virtualenv in
the run's temporary folder with the same Django version as ours and django-helpdesk==2.6.1 from
PyPI, and `prepare` writes a minimal project for it there (its public ticket form, PostgreSQL,
the same connection reuse and dummy e-mail backend as our bench server), migrates a database of
its own and creates one public queue. `bench/tickets.py` serves it with gunicorn (2 sync
workers, as ours) and posts its public form with the same load generator.
"""

import subprocess
import sys
from pathlib import Path

HELPDESK = "django-helpdesk==2.6.1"
PUBLIC_FORM = "/helpdesk/tickets/submit/"

SETTINGS = """
import os
SECRET_KEY = "bench-helpdesk-0123456789abcdefghijklmnopqrstuvwxyz0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize", "rest_framework", "helpdesk",
]
SITE_ID = 1
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "hdbench.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql", "NAME": os.environ["HD_DB_NAME"],
    "HOST": os.environ["HD_DB_HOST"], "PORT": os.environ["HD_DB_PORT"],
    "USER": os.environ["HD_DB_USER"], "PASSWORD": os.environ.get("HD_DB_PASSWORD", ""),
    "CONN_MAX_AGE": 60,
}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "/static/"
MEDIA_ROOT = os.environ["HD_MEDIA_ROOT"]
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@bench.invalid"
LOGIN_URL = "/login/"
HELPDESK_TEAMS_MODE_ENABLED = False
"""

URLS = """
from django.urls import include, path
urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
"""

WSGI = """
import os
from django.core.wsgi import get_wsgi_application
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdbench.settings")
application = get_wsgi_application()
"""

SETUP = """
from helpdesk.models import Queue
queue = Queue.objects.create(
    title="Pengaduan", slug="pengaduan", allow_public_submission=True,
    email_address="helpdesk@bench.invalid",
)
print("QUEUE", queue.pk)
"""

COUNT = """
from helpdesk.models import FollowUp, Ticket
print("ROWS", Ticket.objects.count(), FollowUp.objects.count())
"""


def install(workdir: Path, django_version: str) -> Path:
    """A virtualenv with django-helpdesk 2.6.1, the given Django and gunicorn; its python."""
    venv = workdir / "helpdesk-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [
            str(venv / "bin" / "pip"),
            "install",
            "-q",
            f"django=={django_version}",
            HELPDESK,
            "gunicorn",
            "psycopg[binary]",
        ],
        check=True,
    )
    return venv / "bin" / "python"


def project(workdir: Path) -> Path:
    """The minimal project's folder (`hdbench` package: settings, urls, wsgi)."""
    root = workdir / "helpdesk-project"
    package = root / "hdbench"
    package.mkdir(parents=True, exist_ok=True)
    for name, text in (
        ("__init__.py", ""),
        ("settings.py", SETTINGS),
        ("urls.py", URLS),
        ("wsgi.py", WSGI),
    ):
        (package / name).write_text(text)
    return root


def env(*, dbname: str, host: str, port: str, user: str, workdir: Path, base: dict) -> dict:
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "hdbench.settings",
        "PYTHONPATH": str(project(workdir)),
        "HD_DB_NAME": dbname,
        "HD_DB_HOST": host,
        "HD_DB_PORT": port,
        "HD_DB_USER": user,
        "HD_MEDIA_ROOT": str(workdir / "helpdesk-media"),
    }


def run_django(argv: list[str], environ: dict, *, stdin: str | None = None, cwd=None) -> str:
    """Run a Django command line (`manage.py ...` or `python -m django ...`) to completion; its
    output, or exit with its output shown when it fails."""
    result = subprocess.run(  # noqa: S603 - a bench's own interpreter and command
        argv, env=environ, cwd=cwd, input=stdin, capture_output=True, text=True, check=False
    )
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"{' '.join(argv[1:])} failed")
    return result.stdout


def django_admin(python: Path, environ: dict, *args: str, stdin: str | None = None) -> str:
    """django-admin of the throwaway virtualenv."""
    return run_django([str(python), "-m", "django", *args], environ, stdin=stdin)


def prepare(python: Path, environ: dict) -> int:
    """Migrate its database and create the public queue; the queue's id."""
    django_admin(python, environ, "migrate", "--noinput")
    out = django_admin(python, environ, "shell", stdin=SETUP)
    return int(out.split("QUEUE", 1)[1].split()[0])


def rows(python: Path, environ: dict) -> tuple[int, int]:
    """(tickets, follow-ups) stored."""
    out = django_admin(python, environ, "shell", stdin=COUNT)
    tickets, followups = out.split("ROWS", 1)[1].split()[:2]
    return int(tickets), int(followups)

"""Settings shared by every mode. Modes: local (default), production, test."""

import os

from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, VAR_DIR, env

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "prakerja.core.admin_apps.BackOfficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.syndication",
    "channels",
    "ninja",
    "django_tasks",
    "django_tasks_db",
]
# The domain, one app per domain (docs/ARCHITECTURE.md). Each has urls.py and api.py (wired into
# config/urls.py and config/api.py) and may have demo.py (seeded by `manage.py seed_demo`).
DOMAIN_APPS = [
    "prakerja.core",
    "prakerja.switches",
    "prakerja.accounts",
    "prakerja.programs",
    "prakerja.training",
    "prakerja.payouts",
    "prakerja.helpdesk",
    "prakerja.livechat",
    "prakerja.telephony",
    "prakerja.mail",
    "prakerja.surveys",
    "prakerja.reports",
]
INSTALLED_APPS += DOMAIN_APPS

MIDDLEWARE = [
    # First: at a wave opening, refusing a sign-up must cost next to nothing (admission control).
    "prakerja.accounts.middleware.SignupWaitingRoomMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "prakerja.core.middleware.RequestIdMiddleware",
    "prakerja.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "prakerja.core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view: NUL and other control characters are refused (422), never stored.
    "prakerja.core.middleware.ControlCharactersMiddleware",
    "prakerja.programs.middleware.PreviewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "prakerja.core.middleware.RateLimitedMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "prakerja.core.context_processors.site",
            ],
            # Numbers and money in the active language on every page, without a `{% load %}`.
            "builtins": ["prakerja.core.templatetags.formatting"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Production: PostgreSQL from DATABASE_URL (config/settings/production.py requires it).
# Development and tests: SQLite in var/, with WAL (readers do not block the writer), a busy
# timeout and IMMEDIATE transactions, so concurrent writers wait for each other instead of
# failing with "database is locked".
VAR_DIR.mkdir(exist_ok=True)
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def database_from_url(url: str) -> dict:
    config = env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    else:
        config.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {
    "default": database_from_url(
        env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Behind PgBouncer in transaction mode (deploy/pgbouncer/): each transaction of a connection may
# run on another server session, so nothing may live in a session between transactions. Django's
# `.iterator()` would DECLARE a server-side cursor outside a transaction: off. psycopg's automatic
# prepared statements (named, per session) stay off, as Django's default, even if OPTIONS ask.
# Session advisory locks (the scheduler's leadership) need a session pool: the scheduler refuses
# to start with this on and is pointed at the session pool (deploy/env/scheduler.env.example).
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)
if DATABASE_PGBOUNCER and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "prepare_threshold": None,
    }

# --- Redis: cache and channel layer (optional) ---------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Redis down is not the site down: the cache falls back to each process's memory and the
    # short time-outs keep a lost Redis from holding requests (prakerja/core/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "prakerja.core.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    # Pub/sub layer (no per-process polling loop); consumers close and the browsers replay the
    # history if the subscriber connection had to reconnect. See prakerja/livechat/layers.py.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "prakerja.livechat.layers.PubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "health_check_interval": 30,
                        "socket_keepalive": True,
                        # A lost Redis fails a broadcast in seconds instead of holding the request.
                        "socket_connect_timeout": 2,
                    }
                ]
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Background work: Django Tasks API ---------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

# A task still RUNNING this long after it started was left by a worker that died (kill -9, a lost
# machine): the `core.tasks_requeue` scheduler job puts it back in the queue, checking every
# TASKS_REQUEUE_EVERY_SECONDS. Keep it above the longest task's run time.
TASKS_STRANDED_SECONDS = env.int("TASKS_STRANDED_SECONDS", default=900)
TASKS_REQUEUE_EVERY_SECONDS = env.int("TASKS_REQUEUE_EVERY_SECONDS", default=60)

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["prakerja.accounts.backends.UsernameOrEmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_HASHERS = [
    # Argon2id at OWASP's minimum (m=19 MiB, t=2, p=1); reasons in
    # docs/adr/0011-argon2id-owasp-minimum.md.
    "prakerja.accounts.hashers.ProgramArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages and time ------------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "django_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
USE_I18N = True
# Our catalogs take precedence over Django's own (apps listed earlier would otherwise win).
LOCALE_PATHS = [BASE_DIR / app.replace(".", "/") / "locale" for app in DOMAIN_APPS]
TIME_ZONE = "Asia/Jakarta"
USE_TZ = True
# One date and number format per language (config/formats; ADR 0043). Thousands are
# grouped where a page shows a figure (the `number`, `percent` and `rupiah` filters), not in every
# `{{ int }}`: ids and counts also land in URLs, attributes and scripts, where "1.234" breaks them.
FORMAT_MODULE_PATH = ["config.formats"]
USE_THOUSAND_SEPARATOR = False

# --- Static and uploaded files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploads (ID cards, attachments) are private: never under STATIC or a public MEDIA URL; they are
# streamed by views that check access.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/private-media/"  # nothing serves this path; only access-checked views stream uploads
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail -------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Prakerja <no-reply@prakerja.local>")

# --- SMS (prakerja.accounts.sms) ------------------------------------------------------------------
# `outbox`: stored in the SMS outbox (admin) and printed to the console; `http`: a JSON gateway.
SMS_GATEWAY = env.str("SMS_GATEWAY", default="outbox")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_SENDER_ID = env.str("SMS_SENDER_ID", default="PRAKERJA")
SMS_CONSOLE_ECHO = env.bool("SMS_CONSOLE_ECHO", default=True)

# --- Participants: identity verification adapter and the site's public URL --------------------
IDENTITY_VERIFIER = env.str("IDENTITY_VERIFIER", default="offline")  # offline | http
IDENTITY_REGISTRY_URL = env.str("IDENTITY_REGISTRY_URL", default="")
IDENTITY_REGISTRY_TOKEN = env.str("IDENTITY_REGISTRY_TOKEN", default="")
LINKING_VERIFIER = env.str("LINKING_VERIFIER", default="sandbox")  # sandbox | http
LINKING_VERIFIER_URL = env.str("LINKING_VERIFIER_URL", default="")
LINKING_VERIFIER_TOKEN = env.str("LINKING_VERIFIER_TOKEN", default="")
# Incentive disbursement (prakerja/payouts/partners.py): fake | live
PAYOUTS_PARTNER = env.str("PAYOUTS_PARTNER", default="fake")
PAYOUTS_FAKE_LEDGER = env.str("PAYOUTS_FAKE_LEDGER", default="")
PAYOUTS_FAKE_DELAY = env.float("PAYOUTS_FAKE_DELAY", default=0.0)
PAYOUTS_BANK_OUTBOX_DIR = env.path("PAYOUTS_BANK_OUTBOX_DIR", default=VAR_DIR / "pain001")
PAYOUTS_DEBTOR_ACCOUNT = env.str("PAYOUTS_DEBTOR_ACCOUNT", default="0000000000")
PAYOUTS_EWALLET_URL = env.str("PAYOUTS_EWALLET_URL", default="")
PAYOUTS_EWALLET_TOKEN = env.str("PAYOUTS_EWALLET_TOKEN", default="")
PAYOUTS_EWALLET_SECRET = env.str("PAYOUTS_EWALLET_SECRET", default="")
# The one base of every absolute link sent out (e-mail confirmation, password reset, tickets,
# survey links in e-mails and SMS), without a trailing slash. `make run` sets it from its host and
# port; production refuses anything but https.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Waiting room: sign-ups admitted per second (all servers together when the cache is Redis);
# 0 turns it off. Measured capacity and the reasoning: docs/PERFORMANCE.md (bench/registration.py).
SIGNUP_ADMISSION_RATE = env.int("SIGNUP_ADMISSION_RATE", default=40)
# Sign-ups in progress at once per process (config/wsgi.py); past that, 503 + Retry-After at once.
# About one per core: the hash is CPU-bound, more in flight only queues them. 0 turns it off.
SIGNUP_MAX_IN_FLIGHT = env.int("SIGNUP_MAX_IN_FLIGHT", default=os.cpu_count() or 2)
# Trusted reverse proxies in front of the app, each appending to X-Forwarded-For: per-address
# rate limits take the client from the NUM_PROXIES-th address from the right (0: REMOTE_ADDR).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# `Idempotency-Key` answers (core/idempotency.py) are replayed for at least this long, then the
# `core.idempotency_purge` job deletes them.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
IDEMPOTENCY_PURGE_EVERY_SECONDS = env.int("IDEMPOTENCY_PURGE_EVERY_SECONDS", default=3600)

# --- Sessions ---------------------------------------------------------------------------------
# Database sessions: log-out and a password change revoke them on the server.
SESSION_ENGINE = "prakerja.core.sessions"  # the database store, well-formed keys only

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# --- Program constants --------------------------------------------------------------------------
PROGRAM_NAME = "Kartu Prakerja"
CONTACT_CENTER_HOTLINE = env.str("CONTACT_CENTER_HOTLINE", default="0800-150-3001")

# --- Programs (prakerja.programs) ---------------------------------------------------------------
# Basic skills test (Tes Kemampuan Dasar): questions drawn per attempt, time limit, retakes.
# Answers are taken until the limit plus a grace for the network, then refused.
SKILLS_TEST_QUESTIONS = env.int("SKILLS_TEST_QUESTIONS", default=10)
SKILLS_TEST_MINUTES = env.int("SKILLS_TEST_MINUTES", default=15)
SKILLS_TEST_GRACE_SECONDS = env.int("SKILLS_TEST_GRACE_SECONDS", default=30)
SKILLS_TEST_MAX_ATTEMPTS = env.int("SKILLS_TEST_MAX_ATTEMPTS", default=3)
SKILLS_TEST_RETAKE_HOURS = env.int("SKILLS_TEST_RETAKE_HOURS", default=24)
# Scheduler job: tell participants of waves whose results have been published.
PROGRAMS_RESULTS_NOTIFY_EVERY_SECONDS = env.int("PROGRAMS_RESULTS_NOTIFY_EVERY_SECONDS", default=60)

# --- Training marketplace (prakerja.training) ----------------------------------------------------
# Whether a platform's `"approved": true` in a course push is honoured (skipping the PMO's
# review): on in development and tests, never in production.
PRAKERJA_AUTO_APPROVE_COURSES = env.bool("PRAKERJA_AUTO_APPROVE_COURSES", default=False)
# Scheduler job: record the revocation of cards past their first-purchase deadline.
TRAINING_REVOKE_EVERY_SECONDS = env.int("TRAINING_REVOKE_EVERY_SECONDS", default=60)
PAYOUTS_LEDGER_SYNC_EVERY_SECONDS = env.int("PAYOUTS_LEDGER_SYNC_EVERY_SECONDS", default=60)
PAYOUTS_DISBURSE_EVERY_SECONDS = env.int("PAYOUTS_DISBURSE_EVERY_SECONDS", default=600)
# Closing last month's platform statements is idempotent; hourly closes them early on the 1st.
PAYOUTS_STATEMENTS_CLOSE_EVERY_SECONDS = env.int(
    "PAYOUTS_STATEMENTS_CLOSE_EVERY_SECONDS", default=3600
)

# --- Contact center (prakerja.helpdesk) ---------------------------------------------------------
# Contact center (helpdesk): intake limits per IP / e-mail per period, routing cap, presence TTL.
HELPDESK_INTAKE_PER_IP = env.int("HELPDESK_INTAKE_PER_IP", default=10)
HELPDESK_INTAKE_PER_EMAIL = env.int("HELPDESK_INTAKE_PER_EMAIL", default=5)
HELPDESK_INTAKE_PERIOD = env.int("HELPDESK_INTAKE_PERIOD", default=3600)
HELPDESK_TRACK_PER_IP = env.int("HELPDESK_TRACK_PER_IP", default=30)
HELPDESK_AGENT_TICKET_LIMIT = env.int("HELPDESK_AGENT_TICKET_LIMIT", default=8)
# Channels routed with a capacity of their own: an agent holds up to this many active e-mail
# tickets besides the limit above (an e-mail waits hours, not seconds, for its next turn).
HELPDESK_CHANNEL_TICKET_LIMITS = {"email": env.int("HELPDESK_AGENT_EMAIL_LIMIT", default=15)}
HELPDESK_PRESENCE_TTL_SECONDS = env.int("HELPDESK_PRESENCE_TTL_SECONDS", default=90)
# Scheduler jobs: offer the unassigned queue to on-shift agents; close tickets resolved longer
# ago than the reopen window.
HELPDESK_ROUTE_EVERY_SECONDS = env.int("HELPDESK_ROUTE_EVERY_SECONDS", default=15)
HELPDESK_AUTOCLOSE_EVERY_SECONDS = env.int("HELPDESK_AUTOCLOSE_EVERY_SECONDS", default=300)
# SLA watch: warn this long before a ticket's due time; escalate once it has passed.
HELPDESK_SLA_WARN_MINUTES = env.int("HELPDESK_SLA_WARN_MINUTES", default=30)
HELPDESK_SLA_WATCH_EVERY_SECONDS = env.int("HELPDESK_SLA_WATCH_EVERY_SECONDS", default=60)

# --- Live chat (prakerja.livechat) --------------------------------------------------------------
# Concurrent chats per agent (default for new agents; each agent's row can change it).
LIVECHAT_MAX_CHATS_PER_AGENT = env.int("LIVECHAT_MAX_CHATS_PER_AGENT", default=3)
# Past this many waiting chats the widget offers to leave a message instead of queueing.
LIVECHAT_MAX_QUEUE = env.int("LIVECHAT_MAX_QUEUE", default=200)
# Chats with no message for this long are closed with a notice to both sides.
LIVECHAT_IDLE_MINUTES = env.int("LIVECHAT_IDLE_MINUTES", default=10)
# Estimated handling time of one chat until enough chats have ended to measure it.
LIVECHAT_AVG_CHAT_SECONDS = env.int("LIVECHAT_AVG_CHAT_SECONDS", default=300)
LIVECHAT_MAX_MESSAGE_CHARS = 2000
# Messages one side may send per 10 seconds on one chat (resends of a stored id do not count).
LIVECHAT_MESSAGES_PER_10S = env.int("LIVECHAT_MESSAGES_PER_10S", default=20)
# Participant sockets open at once on one chat, per ASGI process (browser tabs); more are refused.
LIVECHAT_MAX_SOCKETS_PER_CHAT = env.int("LIVECHAT_MAX_SOCKETS_PER_CHAT", default=5)
# Scheduler job: close idle chats and offer waiting chats to free agents.
LIVECHAT_SWEEP_EVERY_SECONDS = env.int("LIVECHAT_SWEEP_EVERY_SECONDS", default=30)

# --- Scheduler (`manage.py scheduler`, prakerja.core.scheduler) ----------------------------------
# The leader sleeps at most this long between checks that it still leads; followers try for the
# lead this often, so a dead leader's jobs resume within about this many seconds.
SCHEDULER_TICK_SECONDS = env.float("SCHEDULER_TICK_SECONDS", default=1.0)
SCHEDULER_RETRY_SECONDS = env.float("SCHEDULER_RETRY_SECONDS", default=5.0)

# --- Logging: one JSON line per request, with the request id; NIKs masked -------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "prakerja.core.logging.RequestIdFilter"},
        "mask_nik": {"()": "prakerja.core.logging.MaskNikFilter"},
    },
    "formatters": {"json": {"()": "prakerja.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id", "mask_nik"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}

# --- E-mail channel (prakerja.mail) -------------------------------------------------------------
# The contact center's mailbox, polled by the scheduler: imap://user:pass@host:143/INBOX or
# imaps://user:pass@host:993/INBOX (user and password URL-encoded). Empty: no polling (a mail
# server may pipe each message to `manage.py mail_ingest` instead).
EMAIL_INBOX_URL = env.str("EMAIL_INBOX_URL", default="")
MAIL_POLL_EVERY_SECONDS = env.int("MAIL_POLL_EVERY_SECONDS", default=30)
# Messages taken from the mailbox per poll (the rest wait for the next one).
MAIL_POLL_BATCH = env.int("MAIL_POLL_BATCH", default=500)
# The mailbox's address: requesters' replies go there (Reply-To of every ticket e-mail), and
# mail from it or from DEFAULT_FROM_EMAIL is ours, never a ticket. Empty: DEFAULT_FROM_EMAIL's.
MAIL_ADDRESS = env.str("MAIL_ADDRESS", default="")
# A larger message is kept for a supervisor, not made a ticket.
MAIL_MAX_BYTES = env.int("MAIL_MAX_BYTES", default=25 * 1024 * 1024)
# The receiving server's authserv-id in Authentication-Results (only its verdict is trusted).
# Empty: the topmost header, which the server that delivered to the mailbox added last.
MAIL_AUTHSERV_ID = env.str("MAIL_AUTHSERV_ID", default="")
# Outgoing ticket e-mails: attempts, and the first wait between them (doubled each time).
MAIL_SEND_ATTEMPTS = env.int("MAIL_SEND_ATTEMPTS", default=5)
MAIL_SEND_RETRY_SECONDS = env.float("MAIL_SEND_RETRY_SECONDS", default=60.0)

# --- Surveys and reports -------------------------------------------------------------
SURVEY_LINK_MAX_AGE_SECONDS = env.int("SURVEY_LINK_MAX_AGE_SECONDS", default=7 * 24 * 3600)
# A reopened and re-resolved ticket is not surveyed again within this time.
SURVEY_REASK_AFTER_SECONDS = env.int("SURVEY_REASK_AFTER_SECONDS", default=30 * 24 * 3600)
# Service level: a contact answered within this many seconds of ringing / queueing counts as on
# target (the common 80/20 for calls; chat visitors wait longer).
REPORTS_ANSWER_TARGET_SECONDS = {
    "phone": env.int("REPORTS_PHONE_ANSWER_TARGET_SECONDS", default=20),
    "chat": env.int("REPORTS_CHAT_ANSWER_TARGET_SECONDS", default=60),
}
# How often an open wallboard fetches its figures again.
REPORTS_WALLBOARD_REFRESH_SECONDS = env.int("REPORTS_WALLBOARD_REFRESH_SECONDS", default=10)
# How often the phone and chat queue rollup of the last days is rewritten.
REPORTS_CONTACT_ROLLUP_EVERY_SECONDS = env.int("REPORTS_CONTACT_ROLLUP_EVERY_SECONDS", default=600)

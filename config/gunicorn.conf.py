"""Production gunicorn settings: `gunicorn -c config/gunicorn.conf.py` (docs/OPERATIONS.md).

Every value can be changed by an environment variable or on the command line (the command line
wins). bench/registration.py starts the server with this file.
"""

import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# CPU-bound work (password hashing, templates): about one process per core.
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
# Threads: Argon2 releases the GIL, and the sign-ups in progress are capped per process
# (SIGNUP_MAX_IN_FLIGHT, about one per core), so most threads are free to answer the waiting room,
# pages and the API while some hash. Without threads a refusal would wait behind a hash.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# Connections waiting in the kernel for a worker; a wave opening arrives as a burst.
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (memory growth in long-lived processes), not all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
accesslog = None  # the application writes one JSON line per request (RequestIdMiddleware)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

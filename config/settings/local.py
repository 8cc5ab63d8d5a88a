"""Development: `make run`. Everything embedded; a secret generated once into var/."""

import warnings

from config.env import development_secret_key, env

from .base import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="") or development_secret_key()
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
PRAKERJA_AUTO_APPROVE_COURSES = env.bool("PRAKERJA_AUTO_APPROVE_COURSES", default=True)

# `make run` serves static files through WhiteNoise under uvicorn; Django warns once per file that
# the synchronous file iterator is consumed in a thread. Harmless in development.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)

# The immediate task backend runs every task inside the command or request that enqueued it, and
# django_tasks logs two INFO lines per task: `seed_demo` alone would print thousands.
LOGGING["loggers"]["django_tasks"] = {"level": "WARNING"}  # noqa: F405

"""Development: `make run`. Everything embedded; a secret generated once into var/."""

import warnings

from config.env import development_secret_key, env

from .base import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="") or development_secret_key()
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# `make run` serves static files through WhiteNoise under uvicorn; Django warns once per file that
# the synchronous file iterator is consumed in a thread. Harmless in development.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)

"""Development: `make run`. Everything embedded; a secret generated once into var/."""

from config.env import development_secret_key, env

from .base import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="") or development_secret_key()
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

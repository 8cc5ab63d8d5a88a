"""Environment access shared by every settings module.

Production differs from development only by environment variables (and an optional `.env`).
"""

import secrets
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def development_secret_key() -> str:
    """A secret generated once into var/ so development sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    VAR_DIR.mkdir(exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()

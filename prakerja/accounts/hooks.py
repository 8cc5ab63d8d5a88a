"""Where accounts calls the apps above it without importing them: they register in their
AppConfig.ready() (see core.hooks)."""

from prakerja.core.hooks import Hook

logged_out = Hook(
    "accounts.logged_out",
    "Called with request= and response= when a browser logs out: apps clear what they keep for "
    "that browser outside the session (e.g. signed cookies).",
)

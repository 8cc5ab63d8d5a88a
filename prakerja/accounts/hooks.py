"""Where accounts calls the apps above it without importing them: they register in their
AppConfig.ready() (see core.hooks)."""

from prakerja.core.hooks import Hook

logged_in = Hook(
    "accounts.logged_in",
    "Called with user=... after a log-in through the log-in page; e.g. the contact center puts "
    "an agent on shift online.",
)

logged_out = Hook(
    "accounts.logged_out",
    "Called with request= and response= when a browser logs out: apps clear what they keep for "
    "that browser outside the session (e.g. signed cookies).",
)

"""Extension points of accounts for the apps above it (prakerja.core.hooks.Hook)."""

from prakerja.core.hooks import Hook

logged_in = Hook(
    "accounts.logged_in",
    "Called with user=... after a log-in through the log-in page; e.g. the contact center puts "
    "an agent on shift online.",
)

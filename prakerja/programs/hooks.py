"""Where programs calls the apps above it (the training marketplace) without importing them: they
register in their AppConfig.ready() (see core.hooks)."""

from prakerja.core.hooks import Hook

participants_selected = Hook(
    "programs.participants_selected",
    "Called with wave=... and applications=[...] (the selected ones) inside the transaction of "
    "the selection run, after the applications are saved.",
)

"""Where training calls the apps above it (payouts) without importing them: they register in
their AppConfig.ready() (see core.hooks)."""

from prakerja.core.hooks import Hook

training_reviewed = Hook(
    "training.training_reviewed",
    "Called with purchase=... (completed, now reviewed) and first=True when it is the card's "
    "first reviewed training, inside the review's transaction.",
)

partner_panels = Hook(
    "training.partner_panels",
    "Called with platform=...; each function returns a programs.dashboard.Panel for the "
    "platform's own page (/mitra/), or None.",
)

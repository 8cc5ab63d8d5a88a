"""Where live chat calls the apps above it (reports) without importing them (see core.hooks)."""

from prakerja.core.hooks import Hook

chat_deflected = Hook(
    "livechat.chat_deflected",
    "Called with at=... inside the transaction that recorded a chat answered by an article.",
)

"""Panels that apps above programs add to the participant dashboard (linked account,
complaints). Each registers a provider on `panels` in its AppConfig.ready(); a provider takes the
user and returns a `Panel` or None. Programs never imports those apps."""

import dataclasses

from prakerja.core.hooks import Hook


@dataclasses.dataclass(frozen=True)
class Panel:
    template: str
    context: dict
    order: int = 100


panels = Hook(
    "programs.dashboard_panels",
    "Called with user=...; each function returns a Panel for the dashboard, or None.",
)


def panels_for(*, user) -> list[Panel]:
    return sorted((p for p in panels(user=user) if p is not None), key=lambda p: p.order)

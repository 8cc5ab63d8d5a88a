"""The training journey under /api/v1: the participant's card and purchases, the public catalog and
certificate check, and the partner API the platforms call with their integration token."""

from ninja import Router

router = Router(tags=["training"])

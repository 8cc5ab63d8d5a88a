from django.conf import settings

from . import site_blocks


def site(request) -> dict:
    """What the base layout shows on every page: program name, hotline, hours, banners."""
    return {
        "PROGRAM_NAME": settings.PROGRAM_NAME,
        "HOTLINE": settings.CONTACT_CENTER_HOTLINE,
        "site_blocks": site_blocks.collect(request),
    }

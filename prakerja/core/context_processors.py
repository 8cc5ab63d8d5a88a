from django.conf import settings

from . import consoles, site_blocks


def site(request) -> dict:
    """What the base layout shows on every page: program name, hotline, hours, banners, and for
    staff their console and navigation."""
    return {
        "PROGRAM_NAME": settings.PROGRAM_NAME,
        "HOTLINE": settings.CONTACT_CENTER_HOTLINE,
        "site_blocks": site_blocks.collect(request),
        "staff": consoles.staff_context(request),
    }

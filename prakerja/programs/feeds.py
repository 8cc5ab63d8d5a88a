from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from .selectors import published_announcements


class AnnouncementFeed(Feed):
    """Atom feed of announcements, for syndication to social media."""

    feed_type = Atom1Feed
    link = reverse_lazy("programs:announcements")
    title = _("%(program)s announcements") % {"program": settings.PROGRAM_NAME}
    subtitle = _("News from the program office")

    def items(self):
        return published_announcements()[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.body

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.updated_at

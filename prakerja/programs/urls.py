from django.urls import path

from . import views
from .feeds import AnnouncementFeed

app_name = "programs"
urlpatterns = [
    path("pengumuman/", views.announcement_list, name="announcements"),
    path("pengumuman/feed.atom", AnnouncementFeed(), name="announcement_feed"),
    path("pengumuman/<int:pk>/", views.announcement_detail, name="announcement"),
    path("dasbor/", views.dashboard, name="dashboard"),
    path("gelombang/<int:number>/ikut/", views.wave_join, name="wave_join"),
    path("pmo/pratinjau/", views.preview, name="preview"),
]

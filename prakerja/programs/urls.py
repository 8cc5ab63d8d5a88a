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
    path("tes-kemampuan-dasar/", views.skills_test, name="skills_test"),
    path("tes-kemampuan-dasar/mulai/", views.skills_test_start, name="skills_test_start"),
    path("tes-kemampuan-dasar/kirim/", views.skills_test_submit, name="skills_test_submit"),
    path("pmo/pratinjau/", views.preview, name="preview"),
]

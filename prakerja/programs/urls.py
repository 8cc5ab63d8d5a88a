from django.urls import path

from . import pmo, views
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
    # The PMO console
    path("pmo/", pmo.console, name="pmo"),
    path("pmo/aktivitas/", pmo.activity, name="pmo_activity"),
    path("pmo/sakelar/<str:name>/", pmo.switch_edit, name="pmo_switch"),
    path("pmo/gelombang/", pmo.waves, name="pmo_waves"),
    path("pmo/gelombang/<int:number>/", pmo.wave_edit, name="pmo_wave"),
    path("pmo/gelombang/<int:number>/seleksi/", pmo.wave_selection, name="pmo_selection"),
    path("pmo/pengumuman/", pmo.announcements, name="pmo_announcements"),
    path("pmo/pengumuman/<int:pk>/", pmo.announcement_edit, name="pmo_announcement"),
]

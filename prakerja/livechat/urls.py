from django.urls import path

from . import views

app_name = "livechat"
urlpatterns = [
    path("livechat/status", views.status, name="status"),
    path("livechat/suggestions", views.suggestions, name="suggestions"),
    path("livechat/deflect", views.deflect, name="deflect"),
    path("livechat/start", views.start, name="start"),
    path("livechat/message", views.leave_message, name="leave_message"),
    path("livechat/agent/", views.workspace, name="workspace"),
    path("livechat/supervisor/", views.supervisor, name="supervisor"),
    path("livechat/supervisor/live", views.supervisor_live, name="supervisor_live"),
]

from django.urls import path

from . import views

app_name = "telephony"
urlpatterns = [
    path("agent/phone/", views.desk, name="desk"),
    path("agent/phone/log/", views.log_call, name="log"),
    path("agent/phone/pops/", views.pops, name="pops"),
    path("agent/phone/calls/<int:pk>/wrap-up/", views.wrap_up, name="wrap_up"),
    path("agent/phone/calls/<int:pk>/close-pop/", views.close_pop, name="close_pop"),
    path("agent/phone/callbacks/", views.callbacks, name="callbacks"),
    path(
        "agent/phone/callbacks/claim-next/", views.callback_claim_next, name="callback_claim_next"
    ),
    path("agent/phone/callbacks/<int:pk>/", views.callback_pane, name="callback_pane"),
    path("agent/phone/callbacks/<int:pk>/claim/", views.callback_claim, name="callback_claim"),
    path(
        "agent/phone/callbacks/<int:pk>/complete/",
        views.callback_complete,
        name="callback_complete",
    ),
]

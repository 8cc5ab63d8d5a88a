from django.urls import path

from .views import agent, inbox, public

app_name = "helpdesk"
urlpatterns = [
    # Public (Indonesian paths: the program's audience)
    path("pengaduan/", public.complaint_form, name="complaint"),
    path("pengaduan/saran/", public.suggestions, name="suggestions"),
    path("pengaduan/terkirim/<str:reference>/", public.complaint_done, name="complaint_done"),
    path("pengaduan/lacak/", public.track, name="track"),
    path("pengaduan/lacak/<str:reference>/", public.track_detail, name="track_detail"),
    path("pengaduan/saya/", public.my_tickets, name="my_tickets"),
    path("pengaduan/lampiran/<int:pk>/", public.attachment_download, name="attachment"),
    path("bantuan/", public.kb_index, name="kb"),
    path("bantuan/<slug:slug>/", public.kb_article, name="kb_article"),
    # Agent inbox (the workspace) and the actions on a ticket
    path("agen/", inbox.workspace, name="workspace"),
    path("agen/ambil/", inbox.claim_next, name="claim_next"),
    path("agen/kehadiran/", agent.presence, name="presence"),
    path("agen/heartbeat/", agent.heartbeat, name="heartbeat"),
    path("agen/supervisor/", agent.supervisor, name="supervisor"),
    path("agen/tiket/<str:reference>/", inbox.ticket_page, name="agent_ticket"),
    path("agen/tiket/<str:reference>/balas/", agent.ticket_reply, name="agent_reply"),
    path("agen/tiket/<str:reference>/ubah/", agent.ticket_update, name="agent_update"),
    path("agen/tiket/<str:reference>/ambil/", agent.ticket_claim, name="agent_claim"),
    path("agen/tiket/<str:reference>/baru/", agent.ticket_updates, name="agent_updates"),
    path("agen/tiket/<str:reference>/template/<int:pk>/", agent.canned_fill, name="agent_canned"),
    # The PMO console's roster page (the console's other pages are in programs)
    path("pmo/roster/", agent.pmo_roster, name="pmo_roster"),
]

from django.urls import path

from . import views
from .moderation import views as moderation

app_name = "endorsements"

urlpatterns = [
    path("endorse/", views.endorse, name="endorse"),
    path("endorse/check-your-email/", views.sent, name="sent"),
    path("endorse/privacy/", views.privacy, name="privacy"),
    path("endorse/new-link/", views.link_request, {"purpose": "resend"}, name="resend"),
    path("endorse/confirm/<str:token>/", views.confirm, name="confirm"),
    path("endorse/withdraw/", views.link_request, {"purpose": "withdraw"}, name="withdraw-request"),
    path("endorse/withdraw/<str:token>/", views.withdraw, name="withdraw"),
    path("endorse/reconfirm/<str:token>/", views.reconfirm, name="reconfirm"),
    path("endorsers/", views.endorser_list, name="list"),
    path("endorsers/certificate/<str:token>.pdf", views.certificate, name="certificate"),
    path("endorsers.csv", views.open_data_file, {"kind": "csv"}, name="csv"),
    path("endorsers-excel.csv", views.open_data_file, {"kind": "excel-csv"}, name="excel-csv"),
    path("endorsers.json", views.open_data_file, {"kind": "json"}, name="json"),
    path("endorsers/count.json", views.endorsers_count, name="count"),
    path("moderation/", moderation.moderation_queue, name="moderation"),
    path("moderation/<number:pk>/", moderation.moderation_detail, name="moderation-detail"),
    path("moderation/<number:pk>/revoke/", moderation.revoke, name="moderation-revoke"),
    path("moderation/export.csv", moderation.contacts_export, name="export"),
]

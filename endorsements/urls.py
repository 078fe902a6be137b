from django.urls import path

from . import logo_views, views
from .moderation import fraud_views
from .moderation import views as moderation
from .profiles import views as profiles
from .self_service import views as self_service
from .statistics import views as statistics

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
    path("endorse/cancel/<str:token>/", fraud_views.cancel, name="cancel"),
    path("endorse/manage/", views.link_request, {"purpose": "manage"}, name="manage-request"),
    path("endorse/manage/<str:token>/", self_service.manage, name="manage"),
    path("endorse/manage/<str:token>/data.json", self_service.export, name="manage-export"),
    path("endorsers/", views.endorser_list, name="list"),
    path("endorsers/hourly.csv", statistics.hourly, {"kind": "csv"}, name="hourly-csv"),
    path("endorsers/hourly.json", statistics.hourly, {"kind": "json"}, name="hourly-json"),
    path("endorsers/<slug:public_id>/", profiles.endorser_page, name="endorser"),
    path("endorsers/<slug:public_id>/badge.svg", profiles.badge, name="badge"),
    path("endorsers/<slug:public_id>/logo/<slug:name>.webp", logo_views.logo, name="logo"),
    path("endorsers/certificate/<str:token>.pdf", views.certificate, name="certificate"),
    path("endorsers.csv", views.open_data_file, {"kind": "csv"}, name="csv"),
    path("endorsers-excel.csv", views.open_data_file, {"kind": "excel-csv"}, name="excel-csv"),
    path("endorsers.json", views.open_data_file, {"kind": "json"}, name="json"),
    path("endorsers/count.json", views.endorsers_count, name="count"),
    path("moderation/", moderation.moderation_queue, name="moderation"),
    path("moderation/<number:pk>/", moderation.moderation_detail, name="moderation-detail"),
    path("moderation/<number:pk>/revoke/", moderation.revoke, name="moderation-revoke"),
    path("moderation/<number:pk>/verify/", moderation.verify, name="moderation-verify"),
    path("moderation/changes/", self_service.changes_queue, name="moderation-changes"),
    path("moderation/activity/", fraud_views.activity, name="moderation-activity"),
    path("moderation/bulk/", fraud_views.bulk, name="moderation-bulk"),
    path("moderation/bulk/<number:pk>/undo/", fraud_views.undo, name="moderation-bulk-undo"),
    path("moderation/export.csv", moderation.contacts_export, name="export"),
]

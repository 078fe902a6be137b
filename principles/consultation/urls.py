from django.urls import path

from . import (
    amendment_views,
    contribution_views,
    manage_views,
    moderation_views,
    report_views,
    views,
)

app_name = "consultation"

# The public side lives at /consultation/ (in every language); the staff side under
# /consultation/manage/.
urlpatterns = [
    # The publishers' list first: "<slug:slug>/" below would otherwise take "manage/".
    path("manage/", manage_views.manage_list, name="manage-list"),
    # Public pages: the list, a consultation, an invited organisation's personal link.
    path("", views.consultation_list, name="list"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/invited/<str:token>/", views.invited, name="invited"),
    # Taking part: the form, confirming by email, withdrawing.
    path("<slug:slug>/take-part/", contribution_views.contribute, name="contribute"),
    path("confirm/<str:token>/", contribution_views.confirm, name="confirm"),
    # Before the link itself, which would take "new-link" for a token.
    path(
        "withdraw/new-link/",
        contribution_views.withdrawal_links,
        name="withdrawal-links",
    ),
    path("withdraw/<str:token>/", contribution_views.withdraw, name="withdraw"),
    # What we heard: the report as HTML, CSV and signed PDF.
    path("<slug:slug>/report/", report_views.report, name="report"),
    path("<slug:slug>/report.csv", report_views.report_csv, name="report-csv"),
    path("<slug:slug>/report.pdf", report_views.report_pdf, name="report-pdf"),
    # Publishers: opening a consultation, its dates and invitations.
    path("manage/open/<number:version_id>/", manage_views.open_consultation, name="open"),
    # Moderation of contributions.
    path("manage/moderation/", moderation_views.moderation_queue, name="moderation"),
    path("manage/moderation/<number:pk>/", moderation_views.moderate, name="moderate"),
    # Editors' decisions on amendments and their replies.
    path("manage/draft/<number:version_id>/", amendment_views.contributions, name="contributions"),
    path("manage/amendment/<number:pk>/", amendment_views.decide, name="decide"),
    path("manage/reply/<number:pk>/", amendment_views.reply, name="reply"),
    # Publishers (continued): a consultation's page and its invitations. After the others, as
    # "manage/<slug>/" would otherwise take "manage/moderation/".
    path("manage/<slug:slug>/", manage_views.manage, name="manage"),
    path("manage/<slug:slug>/invite/", manage_views.invite, name="invite"),
    path("manage/<slug:slug>/close/", manage_views.close, name="close"),
    path(
        "manage/<slug:slug>/invitations/<number:pk>/resend/",
        manage_views.resend,
        name="resend-invitation",
    ),
]

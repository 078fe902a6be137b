from django.urls import path

from . import drafting_views as views

app_name = "drafting"

urlpatterns = [
    path("", views.index, name="index"),
    path("start/", views.start, name="start"),
    path("audit/", views.audit, name="audit"),
    path("compare/", views.compare_versions, name="compare"),
    path("<int:pk>/", views.draft_detail, name="draft"),
    path("<int:pk>/text/", views.edit_text, name="edit-text"),
    path("<int:pk>/principles/add/", views.add_principle, name="add-principle"),
    path("<int:pk>/principles/order/", views.reorder_principles, name="reorder-principles"),
    path("<int:pk>/principles/<int:principle_pk>/", views.edit_principle, name="edit-principle"),
    path(
        "<int:pk>/principles/<int:principle_pk>/remove/",
        views.remove_principle,
        name="remove-principle",
    ),
    path(
        "<int:pk>/principles/<int:principle_pk>/action-lines/add/",
        views.add_action_line,
        name="add-action-line",
    ),
    path(
        "<int:pk>/principles/<int:principle_pk>/action-lines/order/",
        views.reorder_action_lines,
        name="reorder-action-lines",
    ),
    path(
        "<int:pk>/action-lines/<int:action_line_pk>/",
        views.edit_action_line,
        name="edit-action-line",
    ),
    path(
        "<int:pk>/action-lines/<int:action_line_pk>/remove/",
        views.remove_action_line,
        name="remove-action-line",
    ),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/history/compare/", views.compare_revisions, name="compare-revisions"),
    path("<int:pk>/revisions/<int:revision_pk>/restore/", views.restore, name="restore"),
    path("<int:pk>/changes/", views.changes, name="changes"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/send-back/", views.send_back, name="send-back"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/schedule/", views.schedule, name="schedule"),
]

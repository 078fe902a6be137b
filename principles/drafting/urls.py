from django.urls import path

from . import translation_views, views

app_name = "drafting"

urlpatterns = [
    path("", views.index, name="index"),
    path("start/", views.start, name="start"),
    path("audit/", views.audit, name="audit"),
    path("compare/", views.compare_versions, name="compare"),
    path("<number:pk>/", views.draft_detail, name="draft"),
    path("<number:pk>/text/", views.edit_text, name="edit-text"),
    path("<number:pk>/principles/add/", views.add_principle, name="add-principle"),
    path("<number:pk>/principles/order/", views.reorder_principles, name="reorder-principles"),
    path(
        "<number:pk>/principles/<number:principle_pk>/", views.edit_principle, name="edit-principle"
    ),
    path(
        "<number:pk>/principles/<number:principle_pk>/remove/",
        views.remove_principle,
        name="remove-principle",
    ),
    path(
        "<number:pk>/principles/<number:principle_pk>/action-lines/add/",
        views.add_action_line,
        name="add-action-line",
    ),
    path(
        "<number:pk>/principles/<number:principle_pk>/action-lines/order/",
        views.reorder_action_lines,
        name="reorder-action-lines",
    ),
    path(
        "<number:pk>/action-lines/<number:action_line_pk>/",
        views.edit_action_line,
        name="edit-action-line",
    ),
    path(
        "<number:pk>/action-lines/<number:action_line_pk>/remove/",
        views.remove_action_line,
        name="remove-action-line",
    ),
    path("<number:pk>/history/", views.history, name="history"),
    path("<number:pk>/history/compare/", views.compare_revisions, name="compare-revisions"),
    path("<number:pk>/revisions/<number:revision_pk>/restore/", views.restore, name="restore"),
    path("<number:pk>/changes/", views.changes, name="changes"),
    path("<number:pk>/submit/", views.submit, name="submit"),
    path("<number:pk>/approve/", views.approve, name="approve"),
    path("<number:pk>/send-back/", views.send_back, name="send-back"),
    path("<number:pk>/publish/", views.publish, name="publish"),
    path("<number:pk>/schedule/", views.schedule, name="schedule"),
]

# Translating published versions.
urlpatterns += [
    path("translations/", translation_views.index, name="translations"),
    path("translations/start/<number:number>/", translation_views.start, name="start-translation"),
    path("translations/<number:pk>/", translation_views.detail, name="translation"),
    path(
        "translations/<number:pk>/items/<slug:item_key>/",
        translation_views.edit_item,
        name="translate-item",
    ),
    path(
        "translations/<number:pk>/standing/",
        translation_views.set_standing,
        name="translation-standing",
    ),
    path(
        "translations/<number:pk>/history/",
        translation_views.history,
        name="translation-history",
    ),
    path(
        "translations/<number:pk>/history/compare/",
        translation_views.compare_revisions,
        name="translation-compare",
    ),
    path(
        "translations/<number:pk>/revisions/<number:revision_pk>/restore/",
        translation_views.restore,
        name="translation-restore",
    ),
    path("translations/<number:pk>/submit/", translation_views.submit, name="translation-submit"),
    path(
        "translations/<number:pk>/approve/", translation_views.approve, name="translation-approve"
    ),
    path(
        "translations/<number:pk>/send-back/",
        translation_views.send_back,
        name="translation-send-back",
    ),
    path(
        "translations/<number:pk>/publish/", translation_views.publish, name="translation-publish"
    ),
]

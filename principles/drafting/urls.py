from django.urls import path

from . import comment_views, lifecycle_views, review_views, translation_views, views
from .kinds import DRAFT, TRANSLATION

app_name = "drafting"

# The review pages shared by drafts and translations are told which kind they serve.
draft = {"kind": DRAFT}
translation = {"kind": TRANSLATION}

urlpatterns = [
    path("", views.index, name="index"),
    path("tasks/", views.my_tasks, name="my-tasks"),
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
    path("<number:pk>/history/", review_views.history, draft, name="history"),
    path(
        "<number:pk>/history/compare/",
        review_views.compare_revisions,
        draft,
        name="compare-revisions",
    ),
    path(
        "<number:pk>/revisions/<number:revision_pk>/restore/",
        review_views.restore,
        draft,
        name="restore",
    ),
    path("<number:pk>/changes/", views.changes, name="changes"),
    path("<number:pk>/submit/", review_views.submit, draft, name="submit"),
    path("<number:pk>/approve/", review_views.approve, draft, name="approve"),
    path("<number:pk>/send-back/", views.send_back, name="send-back"),
    path("<number:pk>/publish/", lifecycle_views.publish, name="publish"),
    path("<number:pk>/rebase/", lifecycle_views.rebase, name="rebase"),
    path("<number:pk>/discard/", lifecycle_views.discard, name="discard"),
    path("<number:pk>/schedule/", views.schedule, name="schedule"),
    path("<number:pk>/unschedule/", views.unschedule, name="unschedule"),
    path("<number:pk>/comments/", comment_views.start, draft, name="comment"),
    path("comments/<number:pk>/answer/", comment_views.answer, name="answer"),
    path("comments/<number:pk>/resolve/", comment_views.resolve, name="resolve"),
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
        "translations/<number:pk>/to-update/",
        translation_views.next_to_update,
        name="translation-next-to-update",
    ),
    path(
        "translations/<number:pk>/to-update/<slug:item_key>/",
        translation_views.update_item,
        name="translation-update-item",
    ),
    path(
        "translations/<number:pk>/standing/",
        translation_views.set_standing,
        name="translation-standing",
    ),
    path(
        "translations/<number:pk>/history/",
        review_views.history,
        translation,
        name="translation-history",
    ),
    path(
        "translations/<number:pk>/history/compare/",
        review_views.compare_revisions,
        translation,
        name="translation-compare",
    ),
    path(
        "translations/<number:pk>/revisions/<number:revision_pk>/restore/",
        review_views.restore,
        translation,
        name="translation-restore",
    ),
    path(
        "translations/<number:pk>/submit/",
        review_views.submit,
        translation,
        name="translation-submit",
    ),
    path(
        "translations/<number:pk>/approve/",
        review_views.approve,
        translation,
        name="translation-approve",
    ),
    path(
        "translations/<number:pk>/send-back/",
        translation_views.send_back,
        name="translation-send-back",
    ),
    path(
        "translations/<number:pk>/publish/",
        review_views.publish,
        translation,
        name="translation-publish",
    ),
    path(
        "translations/<number:pk>/comments/",
        comment_views.start,
        translation,
        name="translation-comment",
    ),
]

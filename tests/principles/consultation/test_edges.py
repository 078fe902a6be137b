"""Where a consultation meets the rest of the site's life: closing while links are still in
inboxes, a confirmation and a withdrawal at once, a draft published under an open
consultation, odd staff addresses, and the cost of drawing long amendments."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from principles.comparison import kept_diff_words
from principles.consultation import services
from principles.consultation.contributions import withdraw_contribution
from principles.consultation.report_tasks import render_consultation_report
from principles.models import Contribution, VersionStateError
from tests.html import csrf_token, submit


def confirm_url(contribution) -> str:
    return reverse("consultation:confirm", args=[contribution.link_token("confirm")])


def test_a_confirmation_after_closing_is_refused_and_changes_no_count(
    client, consultation, contribute
):
    late = contribute(consultation, status=Contribution.Status.UNCONFIRMED)
    page = client.get(confirm_url(late))
    consultation.close()

    response = client.post(confirm_url(late), {"csrfmiddlewaretoken": csrf_token(page)})

    assert response.status_code == 403
    assert "closed before this contribution was confirmed" in response.content.decode()
    late.refresh_from_db()
    assert late.status == Contribution.Status.UNCONFIRMED


def test_confirming_a_contribution_withdrawn_from_another_tab_is_refused_not_a_500(
    client, consultation, contribute
):
    amendment = contribute(
        consultation, kind=Contribution.Kind.AMENDMENT, status=Contribution.Status.UNCONFIRMED
    )
    page = client.get(confirm_url(amendment))
    withdraw_contribution(contribution=Contribution.objects.get(pk=amendment.pk))

    response = client.post(confirm_url(amendment), {"csrfmiddlewaretoken": csrf_token(page)})

    assert response.status_code == 409
    amendment.refresh_from_db()
    assert amendment.status == Contribution.Status.WITHDRAWN


def test_withdrawing_after_closing_renders_the_reports_pdf_again(
    consultation, contribute, django_capture_on_commit_callbacks
):
    comment = contribute(consultation)
    consultation.close()

    with django_capture_on_commit_callbacks(execute=True):
        assert withdraw_contribution(contribution=comment)

    queued = DBTaskResult.objects.filter(task_path=render_consultation_report.module_path)
    assert queued.exists()


def test_a_draft_under_an_open_consultation_cannot_be_published_or_discarded(
    consultation, publisher
):
    draft = consultation.draft
    with pytest.raises(VersionStateError, match="close it first"):
        draft.refuse_while_consulted()
    with pytest.raises(VersionStateError, match="close it first"):
        draft.discard()

    consultation.close()
    draft.refuse_while_consulted()


def test_a_consultation_on_a_draft_discarded_before_it_opens_stays_shut(
    make_consultation, changed_draft
):
    opens = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    consultation = make_consultation(changed_draft, open=False, opens_at=opens)
    changed_draft.discard()

    assert services.open_when_due(consultation_id=consultation.pk, at=opens) is None
    consultation.refresh_from_db()
    assert consultation.status == consultation.Status.SCHEDULED


def test_only_editors_reply_as_the_editors(consultation, contribute, reviewer, signed_in):
    comment = contribute(consultation)
    client = signed_in(reviewer)

    response = client.get(reverse("consultation:reply", args=[comment.pk]))

    assert response.status_code == 403
    assert not comment.replies.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/consultation/manage/amendment/99999999999999999999/",
        "/consultation/manage/reply/99999999999999999999/",
        "/consultation/manage/draft/99999999999999999999/",
        "/consultation/manage/moderation/99999999999999999999/",
        "/consultation/manage/open/99999999999999999999/",
    ],
)
def test_a_huge_number_in_a_staff_address_is_not_found(path, editor, signed_in):
    assert signed_in(editor).get(path).status_code == 404


def test_an_address_that_a_staff_page_would_shadow_is_refused(changed_draft, publisher, signed_in):
    client = signed_in(publisher)
    url = reverse("consultation:open", args=[changed_draft.pk])
    opens = datetime.now(UTC) + timedelta(days=1)

    response = submit(
        client,
        url,
        {
            "title": "A consultation",
            "slug": "moderation",
            "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (opens + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
            "languages": ["en"],
            "audience": "public",
        },
    )

    assert response.status_code == 400
    assert not changed_draft.consultations.exists()


def test_a_long_amendment_is_drawn_once_and_then_read_from_the_cache(monkeypatch):
    from principles import comparison

    old, new = "a long proposal " * 100, "a longer proposal " * 100
    first = kept_diff_words(old, new)
    assert "<ins" in first
    assert "<del" in first

    def not_again(*args):
        raise AssertionError("drawn again")

    monkeypatch.setattr(comparison, "diff_words", not_again)
    assert kept_diff_words(old, new) == first

"""Review and publication: roles, four eyes, sending back, publishing once, audit (scheduled
publication: test_scheduled_publishing.py)."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from principles.drafting import review
from principles.drafting.services import save_item_text, start_draft
from principles.models import AuditEntry, Declaration, Version, VersionStateError
from tests.html import csrf_token, parse_strict, submit


def url(name, *args):
    return reverse(f"drafting:{name}", args=args)


def approved(draft, *, by_reviewer, by_editor):
    review.submit(reviewed=draft, by=by_editor)
    return review.approve(reviewed=draft, by=by_reviewer)


def test_the_roles_exist_as_groups_with_their_permissions(db):
    permissions = {
        group.name: sorted(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.all()
    }

    assert permissions["Editor"] == ["edit_draft"]
    assert permissions["Reviewer"] == ["review_draft"]
    assert permissions["Publisher"] == ["open_consultation", "publish_draft", "view_audit_log"]
    assert "moderate_contribution" in permissions["Moderator"]


def every_drafting_page(draft) -> list[tuple[str, str]]:
    principle = draft.principles.first()
    action_line = principle.action_lines.first()
    revision = draft.revisions.first()
    return [
        ("get", url("index")),
        ("post", url("start")),
        ("get", url("draft", draft.pk)),
        ("get", url("edit-text", draft.pk)),
        ("get", url("edit-principle", draft.pk, principle.pk)),
        ("get", url("edit-action-line", draft.pk, action_line.pk)),
        ("get", url("add-principle", draft.pk)),
        ("get", url("add-action-line", draft.pk, principle.pk)),
        ("get", url("remove-principle", draft.pk, principle.pk)),
        ("get", url("remove-action-line", draft.pk, action_line.pk)),
        ("get", url("reorder-principles", draft.pk)),
        ("get", url("reorder-action-lines", draft.pk, principle.pk)),
        ("post", url("restore", draft.pk, revision.pk)),
        ("get", url("history", draft.pk)),
        ("get", url("compare-revisions", draft.pk)),
        ("get", url("changes", draft.pk)),
        ("post", url("submit", draft.pk)),
        ("post", url("approve", draft.pk)),
        ("get", url("send-back", draft.pk)),
        ("post", url("publish", draft.pk)),
        ("post", url("schedule", draft.pk)),
        ("get", url("audit")),
        ("get", url("compare")),
    ]


def test_anonymous_visitors_are_sent_to_sign_in_from_every_drafting_page(draft, client):
    token = csrf_token(client.get("/endorse/new-link/"))  # a page with a form anyone can open
    for method, page_url in every_drafting_page(draft):
        data = {"csrfmiddlewaretoken": token} if method == "post" else {}
        response = getattr(client, method)(page_url, data)

        assert response.status_code == 302, page_url
        assert response.url.startswith("/accounts/login/?next="), page_url


def test_a_signed_in_user_without_a_role_gets_403_everywhere(draft, make_user, signed_in):
    client = signed_in(make_user("nobody"))
    token = csrf_token(client.get("/endorse/new-link/"))  # a page with a form anyone can open

    for method, page_url in every_drafting_page(draft):
        data = {"csrfmiddlewaretoken": token} if method == "post" else {}
        assert getattr(client, method)(page_url, data).status_code == 403, page_url


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("Editor", {"start", "text", "principles", "action-lines", "restore", "submit"}),
        ("Reviewer", {"approve", "send-back"}),
        ("Publisher", {"publish", "schedule", "audit"}),
    ],
)
def test_each_role_reaches_only_its_own_actions(draft, make_user, signed_in, role, allowed):
    client = signed_in(make_user("someone", role))
    role_only = {
        "start": url("start"),
        "text": url("edit-text", draft.pk),
        "principles": url("add-principle", draft.pk),
        "action-lines": url("edit-action-line", draft.pk, draft.principles.first().pk),
        "restore": url("restore", draft.pk, draft.revisions.first().pk),
        "submit": url("submit", draft.pk),
        "approve": url("approve", draft.pk),
        "send-back": url("send-back", draft.pk),
        "publish": url("publish", draft.pk),
        "schedule": url("schedule", draft.pk),
        "audit": url("audit"),
    }
    for name, page_url in role_only.items():
        if name not in allowed:
            assert submit(client, page_url, page=url("draft", draft.pk)).status_code == 403, name
    assert client.get(url("draft", draft.pk)).status_code == 200


def test_an_editor_cannot_approve_or_publish_their_own_draft(draft, editor, signed_in):
    client = signed_in(editor)
    submit(client, url("submit", draft.pk), page=url("draft", draft.pk))

    assert submit(client, url("approve", draft.pk), page=url("draft", draft.pk)).status_code == 403
    assert submit(client, url("publish", draft.pk), page=url("draft", draft.pk)).status_code == 403
    assert Version.objects.get(pk=draft.pk).status == Version.Status.SUBMITTED


def test_a_reviewer_who_edited_the_draft_cannot_approve_it(draft, make_user, signed_in):
    both = make_user("bea", "Editor", "Reviewer")
    client = signed_in(both)
    action_line = draft.principles.first().action_lines.first()
    submit(
        client,
        url("edit-action-line", draft.pk, action_line.pk),
        {"text": "Bea's words.", "note": "", "base_revision": 0},
    )
    submit(client, url("submit", draft.pk), page=url("draft", draft.pk))

    response = submit(client, url("approve", draft.pk), follow=True, page=url("draft", draft.pk))

    assert "another reviewer must approve it" in response.content.decode()
    assert Version.objects.get(pk=draft.pk).status == Version.Status.SUBMITTED
    with pytest.raises(VersionStateError):
        review.approve(reviewed=draft, by=both)


def test_an_editor_who_is_also_a_publisher_cannot_publish_their_own_draft(
    draft, make_user, reviewer, signed_in
):
    both = make_user("paz", "Editor", "Publisher")
    client = signed_in(both)
    action_line = draft.principles.first().action_lines.first()
    submit(
        client,
        url("edit-action-line", draft.pk, action_line.pk),
        {"text": "Paz's words.", "note": "", "base_revision": 0},
    )
    submit(client, url("submit", draft.pk), page=url("draft", draft.pk))
    review.approve(reviewed=draft, by=reviewer)

    response = submit(
        signed_in(both), url("publish", draft.pk), follow=True, page=url("draft", draft.pk)
    )

    assert "another publisher must publish it" in response.content.decode()
    assert Version.objects.get(pk=draft.pk).status == Version.Status.APPROVED


def test_submit_approve_and_publish_makes_the_draft_current_and_keeps_the_old_permalink(
    draft, editor, reviewer, publisher, client
):
    client.force_login(editor)
    submit(client, url("submit", draft.pk), page=url("draft", draft.pk))
    client.force_login(reviewer)
    submit(client, url("approve", draft.pk), page=url("draft", draft.pk))
    client.force_login(publisher)

    response = submit(client, url("publish", draft.pk), {"kind": "version", "change_note": ""})

    draft.refresh_from_db()
    assert response.status_code == 302
    assert (draft.status, draft.number) == (Version.Status.PUBLISHED, 2)
    assert Declaration.objects.get().current_version == draft
    assert client.get("/versions/1/").status_code == 200
    assert client.get(url("draft", draft.pk)).url == "/versions/2/"
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", "actor__username"))
    assert actions == [
        (AuditEntry.Action.DRAFT_START, "ed"),
        (AuditEntry.Action.DRAFT_SUBMIT, "ed"),
        (AuditEntry.Action.DRAFT_APPROVE, "rita"),
        (AuditEntry.Action.DRAFT_PUBLISH, "pat"),
    ]


def test_a_draft_that_is_not_approved_cannot_be_published(draft, publisher, signed_in):
    response = submit(
        signed_in(publisher), url("publish", draft.pk), follow=True, page=url("draft", draft.pk)
    )

    assert "only an approved draft can be published" in response.content.decode()
    assert Version.objects.published().count() == 1


def test_a_draft_started_before_a_newer_publication_cannot_be_published(
    draft, declaration, editor, reviewer, publisher, make_user
):
    newer = start_draft(declaration=declaration, by=make_user("other", "Editor"))
    approved(newer, by_reviewer=reviewer, by_editor=editor)
    review.publish(reviewed=newer, by=publisher)

    with pytest.raises(VersionStateError, match="version 2 has been published since"):
        approved(draft, by_reviewer=reviewer, by_editor=editor)
    assert Version.objects.get(pk=draft.pk).status == Version.Status.DRAFT


def test_only_one_draft_per_declaration_can_be_in_review(draft, declaration, editor):
    second = start_draft(declaration=declaration, by=editor)
    review.submit(reviewed=draft, by=editor)

    with pytest.raises(
        VersionStateError, match=r"Another draft \(draft \d+, submitted for review\)"
    ):
        review.submit(reviewed=second, by=editor)


def test_a_reviewer_sends_a_draft_back_with_comments_on_specific_items(
    draft, editor, reviewer, client
):
    review.submit(reviewed=draft, by=editor)
    action_line = draft.principles.get(position=2).action_lines.get(position=1)
    client.force_login(reviewer)

    empty = submit(client, url("send-back", draft.pk), {})
    assert "Write a comment on at least one item" in empty.content.decode()
    submit(
        client,
        url("send-back", draft.pk),
        {f"comment_{action_line.key}": "Say who pays. <b>not bold</b>", "comment_version": ""},
    )

    draft.refresh_from_db()
    assert draft.status == Version.Status.DRAFT
    comment = draft.comments.get()
    assert (comment.item_key, comment.author) == (str(action_line.key), reviewer)
    client.force_login(editor)
    page = client.get(url("draft", draft.pk)).content.decode()
    item = page[page.index(f'id="item-{action_line.key}"') :]
    assert "Comment from rita:" in item[: item.index("</li>")]
    assert "Say who pays. &lt;b&gt;not bold&lt;/b&gt;" in page
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.DRAFT_SEND_BACK, detail="1 comment"
    ).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row locks (select_for_update) and allows one writer at a time; "
    "run the suite with DATABASE_URL=postgres://… to test concurrent publishing.",
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_publishes_of_one_draft_produce_exactly_one_version(
    publish, declaration, make_user
):
    publish()
    declaration.refresh_from_db()
    editor, reviewer = make_user("ed", "Editor"), make_user("rita", "Reviewer")
    draft = start_draft(declaration=declaration, by=editor)
    approved(draft, by_reviewer=reviewer, by_editor=editor)
    publishers = [make_user("pat", "Publisher"), make_user("paz", "Publisher")]
    start, outcomes = threading.Barrier(2), []

    def publish_as(publisher):
        try:
            start.wait()
            review.publish(reviewed=draft, by=publisher)
            outcomes.append("published")
        except VersionStateError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=publish_as, args=[p]) for p in publishers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["published", "refused"]
    assert list(Version.objects.published().values_list("number", flat=True)) == [2, 1]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DRAFT_PUBLISH).count() == 1


def test_scheduling_is_only_for_approved_drafts(draft, publisher):
    with pytest.raises(VersionStateError):
        review.schedule(reviewed=draft, by=publisher, at=timezone.now() + timedelta(days=1))


def test_publishers_read_the_audit_log_filtered_by_draft_and_person(
    draft, declaration, editor, reviewer, publisher, signed_in
):
    review.submit(reviewed=draft, by=editor)
    review.approve(reviewed=draft, by=reviewer)
    client = signed_in(publisher)

    everything = parse_strict(client.get(url("audit"), follow=True).content)
    by_reviewer = parse_strict(
        client.get(url("audit"), {"person": reviewer.pk}, follow=True).content
    )
    by_draft = client.get(url("audit"), {"draft": draft.pk, "person": ""}, follow=True)

    assert len(everything.findall(".//tbody/tr")) == 3
    rows = by_reviewer.findall(".//tbody/tr")
    assert len(rows) == 1
    assert "Approved" in "".join(rows[0].itertext())
    assert by_draft.content.decode().count("<tr>") == 4


def test_an_author_who_is_also_a_publisher_cannot_schedule_their_own_draft(
    draft, make_user, reviewer
):
    both = make_user("sol", "Editor", "Publisher")
    action_line = draft.principles.first().action_lines.first()
    save_item_text(item=action_line, by=both, values={"text": "Sol's words."}, base_revision=0)
    review.submit(reviewed=draft, by=both)
    review.approve(reviewed=draft, by=reviewer)

    with pytest.raises(VersionStateError, match="another publisher"):
        review.schedule(reviewed=draft, by=both, at=timezone.now() + timedelta(days=1))
    assert Version.objects.get(pk=draft.pk).publish_at is None

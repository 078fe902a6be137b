"""A draft's lifecycle over several versions: a draft started from a superseded version is
refused at submit and approval, and can be rebased item by item or discarded; the "already in
review" refusal names the draft; publishing asks for confirmation and can be an editorial
correction, whose change note readers see."""

import pytest
from django.urls import reverse

from principles.drafting import review
from principles.drafting.rebase import RebasePlan
from principles.drafting.services import save_item_text, start_draft
from principles.models import AuditEntry, Revision, Version, VersionStateError
from tests.html import submit


def url(name, *args):
    return reverse(f"drafting:{name}", args=args)


def publish_reviewed(draft, *, editor, reviewer, publisher, **options):
    review.submit(reviewed=draft, by=editor)
    review.approve(reviewed=draft, by=reviewer)
    return review.publish(reviewed=draft, by=publisher, **options)


def line(draft, principle: int, number: int):
    return draft.principles.get(position=principle).action_lines.get(position=number)


def reword(draft, item, by, **values):
    key = str(item.key) if hasattr(item, "key") else Revision.VERSION_TEXT_KEY
    return save_item_text(
        item=item,
        by=by,
        values=values,
        base_revision=review.latest_revision_id(of=draft, item_key=key),
    )


def texts(version) -> dict:
    """The action lines' texts by citation, and the title."""
    version = Version.objects.get(pk=version.pk)
    snapshot = version.snapshot()
    lines = {
        f"{p}.{a}": action_line["text"]
        for p, principle in enumerate(snapshot["principles"], start=1)
        for a, action_line in enumerate(principle["action_lines"], start=1)
    }
    return {"title": snapshot["title"], **lines}


@pytest.fixture
def other_editor(make_user):
    return make_user("eve", "Editor")


@pytest.fixture
def stale(draft, declaration, editor, other_editor, reviewer, publisher):
    """`draft` (by ed, from v1) rewords 1.1 and 2.1; meanwhile eve's draft rewording 1.1
    otherwise and the title is published as v2. Returns ed's draft, now stale."""
    reword(draft, line(draft, 1, 1), editor, text="Ed's 1.1.")
    reword(draft, line(draft, 2, 1), editor, text="Ed's 2.1.")
    newer = start_draft(declaration=declaration, by=other_editor)
    reword(newer, line(newer, 1, 1), other_editor, text="Eve's 1.1.")
    reword(newer, newer, other_editor, title="Title of v2", preamble=newer.source_text.preamble)
    publish_reviewed(newer, editor=other_editor, reviewer=reviewer, publisher=publisher)
    return Version.objects.get(pk=draft.pk)


def test_a_draft_based_on_a_superseded_version_is_refused_at_submit(stale, editor, signed_in):
    response = submit(
        signed_in(editor), url("submit", stale.pk), follow=True, page=url("draft", stale.pk)
    )

    page = response.content.decode()
    assert "started from version 1, but version 2 has been published since" in page
    assert "Rebase it onto version 2" in page
    assert Version.objects.get(pk=stale.pk).status == Version.Status.DRAFT


def test_a_stale_drafts_page_offers_rebase_and_discard_instead_of_submit(stale, editor, signed_in):
    page = signed_in(editor).get(url("draft", stale.pk)).content.decode()

    assert "Rebase onto version 2…" in page
    assert "Discard this draft…" in page
    assert url("submit", stale.pk) not in page


def test_a_stale_draft_already_in_review_cannot_be_approved(
    draft, publish, editor, reviewer, signed_in
):
    review.submit(reviewed=draft, by=editor)
    # A version loaded from a file (`load_declaration`) is published without review.
    publish(principles=2, action_lines=2)

    response = submit(
        signed_in(reviewer), url("approve", draft.pk), follow=True, page=url("draft", draft.pk)
    )

    assert "Rebase it onto version 2" in response.content.decode()
    assert Version.objects.get(pk=draft.pk).status == Version.Status.SUBMITTED


def test_the_already_in_review_refusal_names_and_links_the_draft_in_review(
    draft, declaration, editor, other_editor, signed_in
):
    review.submit(reviewed=draft, by=editor)
    second = start_draft(declaration=declaration, by=other_editor)

    response = submit(
        signed_in(other_editor),
        url("submit", second.pk),
        follow=True,
        page=url("draft", second.pk),
    )

    page = response.content.decode()
    assert f"Another draft (draft {draft.pk}, submitted for review) is already in review" in page
    assert f'href="{url("draft", draft.pk)}"' in page


def test_discarding_a_draft_takes_it_off_the_list_and_keeps_its_history(
    draft, editor, other_editor, signed_in
):
    reword(draft, line(draft, 1, 1), editor, text="Words nobody will read.")
    client = signed_in(other_editor)

    response = submit(client, url("discard", draft.pk))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Version.Status.DISCARDED
    assert f'href="{url("draft", draft.pk)}"' not in client.get(url("index")).content.decode()
    assert draft.revisions.count() == 2
    assert client.get(url("history", draft.pk)).status_code == 200
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DRAFT_DISCARD)
    assert (entry.actor, entry.target) == (other_editor, draft)
    assert client.get(url("edit-text", draft.pk)).status_code == 404
    with pytest.raises(VersionStateError):
        reword(draft, line(draft, 1, 1), editor, text="Again.")
    with pytest.raises(VersionStateError):
        review.submit(reviewed=draft, by=editor)


def test_a_discarded_draft_in_review_lets_another_draft_be_submitted(
    draft, declaration, editor, other_editor
):
    review.submit(reviewed=draft, by=editor)
    second = start_draft(declaration=declaration, by=other_editor)

    review.discard(reviewed=draft, by=other_editor)
    review.submit(reviewed=second, by=other_editor)

    assert Version.objects.get(pk=second.pk).status == Version.Status.SUBMITTED


def test_rebasing_takes_unchanged_items_keeps_the_drafts_changes_and_shows_conflicts(
    stale, editor, signed_in
):
    client = signed_in(editor)
    page = client.get(url("rebase", stale.pk)).content.decode()

    # The one conflict, side by side: the published text and the draft's.
    assert page.count('class="rebase-conflict') == 1
    assert "Eve&#x27;s 1.1." in page
    assert "Ed&#x27;s 1.1." in page
    conflict = str(line(stale, 1, 1).key)

    response = submit(
        client,
        url("rebase", stale.pk),
        {
            f"choice_{conflict}": "draft",
            "base_revision": review.latest_revision_id(of=stale),
            "onto": stale.declaration.current_version_id,
        },
    )

    assert response.status_code == 302
    rebased = Version.objects.get(pk=stale.pk)
    assert rebased.based_on.number == 2
    after = texts(rebased)
    assert after["title"] == "Title of v2"  # unchanged in the draft: taken from v2
    assert after["2.1"] == "Ed's 2.1."  # changed in the draft only: kept
    assert after["1.1"] == "Ed's 1.1."  # both changed: the editor chose the draft's
    assert after["3.3"] == "Action line 3.3 text."
    revision = rebased.revisions.first()
    assert revision.action == Revision.Action.REBASE
    assert "Rebased onto version 2" in revision.summary
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DRAFT_REBASE).exists()
    # Rebased, it goes through review again.
    review.submit(reviewed=rebased, by=editor)


def test_choosing_the_current_text_for_a_conflict_takes_it(stale, editor):
    from principles.drafting.rebase import rebase_draft

    conflict = str(line(stale, 1, 1).key)
    rebase_draft(
        draft=stale,
        by=editor,
        choices={conflict: "current"},
        base_revision=review.latest_revision_id(of=stale),
        onto=stale.declaration.current_version_id,
    )

    after = texts(stale)
    assert (after["1.1"], after["2.1"]) == ("Eve's 1.1.", "Ed's 2.1.")


def test_an_editor_can_settle_a_conflict_with_a_text_of_their_own(stale, editor, signed_in):
    client = signed_in(editor)
    conflict = str(line(stale, 1, 1).key)
    data = {
        f"choice_{conflict}": "edit",
        "base_revision": review.latest_revision_id(of=stale),
        "onto": stale.declaration.current_version_id,
    }

    empty = submit(client, url("rebase", stale.pk), {**data, f"edit_{conflict}_text": ""})
    assert "Write your text here." in empty.content.decode()
    submit(client, url("rebase", stale.pk), {**data, f"edit_{conflict}_text": "Both, merged."})

    after = texts(stale)
    assert (after["1.1"], after["2.1"]) == ("Both, merged.", "Ed's 2.1.")


def test_a_rebase_form_based_on_an_older_revision_is_refused_with_both_texts(
    stale, editor, other_editor, signed_in
):
    client = signed_in(editor)
    form_page = client.get(url("rebase", stale.pk))
    base = review.latest_revision_id(of=stale)
    reword(stale, line(stale, 1, 1), other_editor, text="Eve edits the stale draft too.")
    conflict = str(line(stale, 1, 1).key)

    response = client.post(
        url("rebase", stale.pk),
        {
            f"choice_{conflict}": "draft",
            "base_revision": base,
            "onto": stale.declaration.current_version_id,
            "csrfmiddlewaretoken": form_page.context["csrf_token"],
        },
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "The draft changed while you were choosing" in page
    assert "Eve edits the stale draft too." in page
    assert "Eve&#x27;s 1.1." in page
    assert Version.objects.get(pk=stale.pk).based_on.number == 1


def snapshot(title="T", principles=()):
    return {
        "title": title,
        "preamble": "P",
        "principles": [
            {
                "key": key,
                "title": f"Principle {key}",
                "explanation": "",
                "action_lines": [{"key": k, "text": t} for k, t in lines],
            }
            for key, lines in principles
        ],
    }


def test_structure_changes_on_either_side_are_kept_and_a_removal_over_a_change_conflicts():
    base = snapshot(principles=[("a", [("a1", "one")]), ("b", [("b1", "two")]), ("c", [])])
    # The new version adds principle n after a, and rewords b1; the draft removes b and c,
    # and adds an action line to a.
    current = snapshot(
        principles=[("a", [("a1", "one")]), ("n", []), ("b", [("b1", "TWO")]), ("c", [])]
    )
    draft = snapshot(principles=[("a", [("a1", "one"), ("a2", "new")])])

    plan = RebasePlan(base=base, current=current, draft=draft)

    assert [item.key for item in plan.conflicts] == ["b"]
    keep_b = plan.merged({"b": "current"})
    assert [p["key"] for p in keep_b["principles"]] == ["a", "n", "b"]
    assert [line["key"] for line in keep_b["principles"][0]["action_lines"]] == ["a1", "a2"]
    assert keep_b["principles"][2]["action_lines"] == [{"key": "b1", "text": "TWO"}]
    assert [p["key"] for p in plan.merged({"b": "draft"})["principles"]] == ["a", "n"]


def test_publishing_needs_the_confirmation_page_and_its_post(
    draft, editor, reviewer, publisher, signed_in
):
    review.submit(reviewed=draft, by=editor)
    review.approve(reviewed=draft, by=reviewer)
    client = signed_in(publisher)

    page = client.get(url("publish", draft.pk)).content.decode()
    assert "Publish as version 2?" in page
    assert "No organisation has endorsed the declaration yet" in page
    # The draft page leads to the confirmation page; a bare POST (no choice) publishes nothing.
    assert (
        f'href="{url("publish", draft.pk)}"' in client.get(url("draft", draft.pk)).content.decode()
    )
    unconfirmed = submit(client, url("publish", draft.pk), {})
    assert unconfirmed.status_code == 200
    assert Version.objects.get(pk=draft.pk).status == Version.Status.APPROVED

    submit(client, url("publish", draft.pk), {"kind": "version", "change_note": "Clearer words."})

    published = Version.objects.get(pk=draft.pk)
    assert (published.number, published.is_correction) == (2, False)
    assert published.change_note == "Clearer words."


def test_a_correction_needs_a_change_note_which_readers_see_on_the_version_and_comparison(
    draft, editor, reviewer, publisher, signed_in, client
):
    reword(
        draft,
        draft,
        editor,
        title="Test Declaration, corrected",
        preamble=draft.source_text.preamble,
    )
    review.submit(reviewed=draft, by=editor)
    review.approve(reviewed=draft, by=reviewer)
    signed_in(publisher)

    refused = submit(client, url("publish", draft.pk), {"kind": "correction", "change_note": " "})
    assert "Say what the correction corrects" in refused.content.decode()
    submit(client, url("publish", draft.pk), {"kind": "correction", "change_note": "Fixed a typo."})

    corrected = Version.objects.get(pk=draft.pk)
    assert (corrected.number, corrected.is_correction, corrected.counts_endorsers_from) == (
        2,
        True,
        1,
    )
    client.logout()
    for page in ("/versions/2/", "/", "/versions/1/compare/2/"):
        content = client.get(page).content.decode()
        assert "Fixed a typo." in content, page
        assert "editorial correction of version 1" in content, page
    assert AuditEntry.objects.get(action="draft.publish").detail == "v2 (editorial correction)"

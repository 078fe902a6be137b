"""The editors' side of a consultation: every contribution beside its item, decisions on
amendments (accept, accept with changes, decline), the proposer's email, editors' replies."""

import html5lib
import pytest
from django.core import mail
from django.urls import reverse

from principles.drafting import review
from principles.drafting.services import remove_item, save_item_text
from principles.models import AuditEntry, Contribution, Revision
from tests.html import csrf_token, submit

AMENDMENT = Contribution.Kind.AMENDMENT
NEW_LINE = Contribution.Kind.NEW_ACTION_LINE


@pytest.fixture(autouse=True)
def emails_sent_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def second_editor(make_user):
    return make_user("eve", "Editor")


def line(draft, principle: int, number: int):
    return draft.principles.get(position=principle).action_lines.get(position=number)


def line_text(draft, principle: int, number: int) -> str:
    return line(draft, principle, number).source_text.text


def form_values(response) -> dict:
    """What the page's decision form would send as it stands: its hidden inputs and boxes."""
    page = html5lib.parse(response.content, namespaceHTMLElements=False)
    form = page.find(".//form[@class='stacked-form']")
    values = {
        field.get("name"): field.get("value", "")
        for field in form.iter("input")
        if field.get("type") == "hidden"
    }
    values |= {box.get("name"): box.text or "" for box in form.iter("textarea")}
    values.pop("csrfmiddlewaretoken")
    return values


def decide(client, amendment, *, page=None, **changes):
    """Open the decision page (or use `page`, opened earlier) and press a button with
    `changes` made to the form, as an editor's browser would."""
    url = reverse("consultation:decide", args=[amendment.pk])
    page = page or client.get(url)
    assert page.status_code == 200
    data = {**form_values(page), **changes, "csrfmiddlewaretoken": csrf_token(page)}
    return client.post(url, data)


@pytest.fixture
def amendment(consultation, contribute):
    """An approved amendment to action line 1.1, from an organisation writing in English."""
    return contribute(
        consultation,
        kind=AMENDMENT,
        item_key=str(line(consultation.draft, 1, 1).key),
        proposed_text="Action line 1.1 text, for every school and library.",
        body="Libraries are where many learners connect.",
    )


def test_the_page_shows_every_contribution_beside_its_item_with_a_redline(
    consultation, contribute, amendment, editor, signed_in
):
    item_key = str(line(consultation.draft, 1, 1).key)
    contribute(consultation, item_key=item_key, body="A comment on line 1.1.")
    contribute(consultation, item_key=item_key, status="confirmed", body="Not moderated yet.")
    contribute(consultation, item_key=item_key, status="rejected", body="Rejected one.")

    response = signed_in(editor).get(
        reverse("consultation:contributions", args=[consultation.draft.pk])
    )

    page = response.content.decode()
    beside_line = page[page.index(f'id="item-{item_key}"') :]
    assert "A comment on line 1.1." in beside_line
    assert "Libraries are where many learners connect." in beside_line
    assert "1 more waits for moderation." in beside_line
    assert "Not moderated yet." not in page
    assert "Rejected one." not in page
    assert "Schools Online Network" in beside_line
    redline = '<del><span class="visually-hidden">deleted:</span>text.</del><ins>'
    assert redline in beside_line
    assert "text, for every school and library.</ins>" in beside_line
    assert reverse("consultation:decide", args=[amendment.pk]) in beside_line


def test_the_draft_page_links_to_the_contributions_with_their_count(
    consultation, amendment, contribute, editor, signed_in
):
    contribute(consultation, item_key="", body="On the whole text.")

    response = signed_in(editor).get(reverse("drafting:draft", args=[consultation.draft.pk]))

    page = response.content.decode()
    assert "Consultation contributions (2)" in page
    assert "1 consultation contribution</a>" in page


def test_accepting_makes_a_revision_by_the_editor_attributed_to_the_organisation(
    consultation, amendment, editor, signed_in, django_capture_on_commit_callbacks
):
    draft = consultation.draft

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(signed_in(editor), amendment, decision="accept")

    assert response.status_code == 302
    amendment.refresh_from_db()
    assert amendment.outcome == Contribution.Outcome.ACCEPTED
    assert amendment.decided_by == editor
    revision = draft.revisions.order_by("-pk").first()
    assert amendment.revision == revision
    assert revision.author == editor
    assert revision.note == (
        "Amendment from Schools Online Network (consultation: Consultation on the second version)"
    )
    assert line_text(draft, 1, 1) == "Action line 1.1 text, for every school and library."
    assert AuditEntry.objects.about(amendment).get().action == "amendment.accept"
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not draft.is_published
    assert mail.outbox[0].to == ["amina@schools-online.example"]
    assert "accepted the amendment" in mail.outbox[0].body


def test_an_editor_merges_an_amendment_with_changes(
    consultation, amendment, editor, signed_in, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(
            signed_in(editor),
            amendment,
            decision="merge",
            text="Action line 1.1 text, for schools and public libraries.",
            reason="We kept the idea in shorter words.",
        )

    assert response.status_code == 302
    amendment.refresh_from_db()
    assert amendment.outcome == Contribution.Outcome.MERGED
    assert amendment.outcome_reason == "We kept the idea in shorter words."
    assert line_text(consultation.draft, 1, 1) == (
        "Action line 1.1 text, for schools and public libraries."
    )
    assert AuditEntry.objects.about(amendment).get().action == "amendment.merge"
    assert "with changes" in mail.outbox[0].body
    assert "We kept the idea in shorter words." in mail.outbox[0].body


def test_accepting_as_proposed_a_text_the_editor_changed_is_refused_and_keeps_it(
    amendment, editor, signed_in
):
    response = decide(signed_in(editor), amendment, decision="accept", text="My own words.")

    assert response.status_code == 400
    assert "My own words." in response.content.decode()
    amendment.refresh_from_db()
    assert amendment.outcome == Contribution.Outcome.PENDING


def test_declining_needs_a_reason_and_keeps_what_was_typed(
    consultation, amendment, editor, signed_in, django_capture_on_commit_callbacks
):
    client = signed_in(editor)
    revisions = consultation.draft.revisions.count()

    response = decide(client, amendment, decision="decline", text="An edit I was trying.")

    assert response.status_code == 400
    assert "Say why the amendment is declined" in response.content.decode()
    assert "An edit I was trying." in response.content.decode()
    amendment.refresh_from_db()
    assert amendment.outcome == Contribution.Outcome.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, amendment, decision="decline", reason="Out of scope.")

    assert response.status_code == 302
    amendment.refresh_from_db()
    assert (amendment.outcome, amendment.outcome_reason) == ("declined", "Out of scope.")
    assert consultation.draft.revisions.count() == revisions
    assert AuditEntry.objects.about(amendment).get().action == "amendment.decline"
    assert "declined the amendment" in mail.outbox[0].body
    assert "Out of scope." in mail.outbox[0].body
    assert f"/consultation/{consultation.slug}/#contribution-{amendment.pk}" in mail.outbox[0].body


def test_a_draft_in_review_takes_no_amendment_but_one_can_still_be_declined(
    consultation, amendment, editor, signed_in
):
    client = signed_in(editor)
    page = client.get(reverse("consultation:decide", args=[amendment.pk]))
    review.submit(reviewed=consultation.draft, by=editor)

    response = decide(client, amendment, page=page, decision="merge", text="Typed while open.")

    assert response.status_code == 409
    content = response.content.decode()
    assert "Nothing was decided" in content
    assert "submitted" in content
    assert "Typed while open." in content
    amendment.refresh_from_db()
    assert amendment.outcome == Contribution.Outcome.PENDING
    assert line_text(consultation.draft, 1, 1) == "Action line 1.1 text."

    response = decide(client, amendment, decision="decline", reason="Too late for this round.")
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("how", "why"),
    [("discarded", "This draft is discarded"), ("superseded", "has been published since")],
)
def test_a_discarded_or_superseded_draft_takes_no_amendment(
    consultation, amendment, editor, signed_in, publish, how, why
):
    client = signed_in(editor)
    page = client.get(reverse("consultation:decide", args=[amendment.pk]))
    if how == "discarded":
        # An amendment may be decided after closing; the draft is discarded only then.
        consultation.close()
        review.discard(reviewed=consultation.draft, by=editor)
    else:
        publish()

    response = decide(client, amendment, page=page, decision="accept")

    assert response.status_code == 409
    assert why in response.content.decode()
    amendment.refresh_from_db()
    assert amendment.outcome == Contribution.Outcome.PENDING


def test_a_stale_decision_is_refused_without_losing_the_text(
    consultation, amendment, editor, second_editor, signed_in
):
    draft = consultation.draft
    client = signed_in(editor)
    page = client.get(reverse("consultation:decide", args=[amendment.pk]))
    save_item_text(
        item=line(draft, 1, 1),
        by=second_editor,
        values={"text": "Eve's wording of line 1.1."},
        base_revision=draft.revisions.order_by("-pk").first().pk,
    )

    response = decide(client, amendment, page=page, decision="merge", text="Ed's merged text.")

    assert response.status_code == 409
    content = response.content.decode()
    assert "eve saved this item meanwhile" in content
    assert "Ed&#x27;s merged text." in content or "Ed's merged text." in content
    assert line_text(draft, 1, 1) == "Eve's wording of line 1.1."
    amendment.refresh_from_db()
    assert amendment.outcome == Contribution.Outcome.PENDING

    # Deciding again from the refused page goes ahead, knowingly replacing Eve's text.
    url = reverse("consultation:decide", args=[amendment.pk])
    again = client.post(url, {**form_values(response), "decision": "merge", **token(response)})
    assert again.status_code == 302
    assert line_text(draft, 1, 1) == "Ed's merged text."


def token(response) -> dict:
    return {"csrfmiddlewaretoken": csrf_token(response)}


def test_two_editors_cannot_decide_the_same_amendment_twice(
    amendment, editor, second_editor, signed_in, client
):
    from django.test import Client

    first, second = signed_in(editor), Client(enforce_csrf_checks=True)
    second.force_login(second_editor)
    first_page = first.get(reverse("consultation:decide", args=[amendment.pk]))
    second_page = second.get(reverse("consultation:decide", args=[amendment.pk]))

    assert decide(first, amendment, page=first_page, decision="accept").status_code == 302
    response = decide(second, amendment, page=second_page, decision="decline", reason="No.")

    assert response.status_code == 409
    assert "already decided" in response.content.decode()
    amendment.refresh_from_db()
    assert (amendment.outcome, amendment.decided_by) == ("accepted", editor)


def test_an_accepted_new_action_line_is_added_to_its_principle(
    consultation, contribute, editor, signed_in
):
    draft = consultation.draft
    principle = draft.principles.get(position=2)
    proposal = contribute(
        consultation,
        kind=NEW_LINE,
        item_key=str(principle.key),
        proposed_text="Train teachers to use the connection well.",
    )

    response = decide(signed_in(editor), proposal, decision="accept")

    assert response.status_code == 302
    added = principle.action_lines.get(position=4)
    assert added.source_text.text == "Train teachers to use the connection well."
    proposal.refresh_from_db()
    assert proposal.revision.action == Revision.Action.ADD
    assert proposal.revision.item_key == str(added.key)


def test_an_amendment_to_a_removed_item_can_only_be_declined(
    consultation, amendment, editor, signed_in
):
    draft = consultation.draft
    remove_item(item=line(draft, 1, 1), by=editor, base_revision=0)
    client = signed_in(editor)

    response = decide(client, amendment, decision="accept")

    assert response.status_code == 409
    assert "no longer in the draft" in response.content.decode()
    assert decide(client, amendment, decision="decline", reason="Removed.").status_code == 302


def test_the_proposer_is_told_in_the_language_they_wrote_in(
    consultation, contribute, editor, signed_in, django_capture_on_commit_callbacks
):
    proposal = contribute(
        consultation,
        kind=AMENDMENT,
        item_key=str(line(consultation.draft, 1, 1).key),
        language="fr",
        email="claire@ecoles.example",
    )

    with django_capture_on_commit_callbacks(execute=True):
        decide(signed_in(editor), proposal, decision="decline", reason="Hors sujet.")

    (email,) = mail.outbox
    assert email.to == ["claire@ecoles.example"]
    assert "Bonjour" in email.body
    assert "Hors sujet." in email.body
    assert f"/fr/consultation/{consultation.slug}/#contribution-{proposal.pk}" in email.body


def test_a_withdrawn_amendment_is_declined_without_an_email(
    amendment, editor, signed_in, django_capture_on_commit_callbacks
):
    client = signed_in(editor)
    page = client.get(reverse("consultation:decide", args=[amendment.pk]))
    amendment.withdraw()

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, amendment, page=page, decision="decline", reason="Withdrawn.")

    assert response.status_code == 302
    assert mail.outbox == []


def test_an_editors_reply_is_public_at_once_and_marked_as_theirs(
    consultation, contribute, editor, signed_in
):
    comment = contribute(consultation, body="Why not libraries?")
    client = signed_in(editor)
    url = reverse("consultation:reply", args=[comment.pk])

    response = submit(client, url, {"text": "Libraries are in line 1.1 now."})

    assert response.status_code == 302
    answer = comment.replies.get()
    assert (answer.author, answer.status, answer.kind) == (editor, "approved", "comment")
    assert answer.approved_at is not None
    assert (answer.item_key, answer.consultation) == (comment.item_key, consultation)
    assert answer.is_editors_reply
    assert list(Contribution.objects.public().filter(parent=comment)) == [answer]
    page = client.get(reverse("consultation:contributions", args=[consultation.draft.pk]))
    assert "Editors' reply, by ed" in page.content.decode()


def test_a_reply_in_french_is_stored_as_french(consultation, contribute, editor, signed_in):
    comment = contribute(consultation)
    url = reverse("consultation:reply", args=[comment.pk]).replace(
        "/consultation/", "/fr/consultation/", 1
    )

    submit(signed_in(editor), url, {"text": "Merci, c'est fait."})

    assert comment.replies.get().language == "fr"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "This field is required."),
        ("<script>alert(1)</script>", "HTML tags and scripts are not allowed."),
        ("x" * 5_001, "at most 5000 characters"),
        ("Right\u202eto left", "invisible control characters"),
        ("Null\x00byte", "Null characters are not allowed."),
    ],
)
def test_a_bad_reply_gets_a_message_and_keeps_the_text(
    consultation, contribute, editor, signed_in, text, message
):
    comment = contribute(consultation)

    response = submit(
        signed_in(editor), reverse("consultation:reply", args=[comment.pk]), {"text": text}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    if text and "\x00" not in text:
        assert (
            html5lib.parse(response.content, namespaceHTMLElements=False)
            .find(".//textarea")
            .text.strip()
            == text
        )
    assert not comment.replies.exists()


def test_only_editors_decide_and_reply_and_only_drafting_roles_see_the_page(
    consultation, amendment, reviewer, moderator, signed_in, client
):
    contributions_url = reverse("consultation:contributions", args=[consultation.draft.pk])
    decide_url = reverse("consultation:decide", args=[amendment.pk])
    reply_url = reverse("consultation:reply", args=[amendment.pk])

    assert client.get(contributions_url).status_code in (302, 200)
    assert "Libraries" not in client.get(contributions_url).content.decode()

    signed_in(reviewer)
    assert client.get(contributions_url).status_code == 200
    assert client.get(decide_url).status_code == 403
    assert client.get(reply_url).status_code == 403

    signed_in(moderator)
    for url in (contributions_url, decide_url, reply_url):
        assert client.get(url).status_code == 403


def test_a_comment_cannot_be_decided_on(consultation, contribute, editor, signed_in):
    comment = contribute(consultation)
    response = signed_in(editor).get(reverse("consultation:decide", args=[comment.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("per_item", [1, 20])
def test_the_contributions_page_runs_a_fixed_number_of_queries(
    consultation, contribute, editor, signed_in, page_queries, per_item
):
    draft = consultation.draft
    keys = (
        ["", "version"]
        + [str(key) for key in draft.principles.values_list("key", flat=True)]
        + [str(item.key) for item in draft.principles.first().action_lines.all()]
    )
    for key in keys:
        for number in range(per_item):
            kind = AMENDMENT if number % 2 else Contribution.Kind.COMMENT
            contribution = contribute(consultation, item_key=key, kind=kind)
            contribute(consultation, item_key=key, status="confirmed")
            if number == 0:
                Contribution.objects.create(
                    consultation=consultation,
                    parent=contribution,
                    author=editor,
                    body="Thanks.",
                    item_key=key,
                    status="approved",
                )
    client = signed_in(editor)
    url = reverse("consultation:contributions", args=[draft.pk])

    with page_queries(QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    assert response.content.decode().count("Thanks.") == len(keys)


# Session and user, their permissions (twice: groups then the check), the draft and its
# declaration, its texts, principles and their texts, action lines and their texts, the
# contributions and their replies, the counts waiting, the consultations.
QUERIES = 14


def test_decisions_and_replies_make_the_public_pages_stale(
    consultation, amendment, contribute, editor, signed_in, django_capture_on_commit_callbacks
):
    from declaration_site import public_cache

    client = signed_in(editor)
    before = public_cache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        decide(client, amendment, decision="decline", reason="Out of scope.")
    after_decision = public_cache.process_copies.generation
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, reverse("consultation:reply", args=[amendment.pk]), {"text": "See why."})

    assert before < after_decision < public_cache.process_copies.generation


def test_a_decided_amendment_shows_its_outcome_instead_of_the_form(amendment, editor, signed_in):
    client = signed_in(editor)
    decide(client, amendment, decision="decline", reason="Out of scope.")

    response = client.get(reverse("consultation:decide", args=[amendment.pk]))

    content = response.content.decode()
    assert "Declined" in content
    assert "Out of scope." in content
    assert 'name="decision"' not in content


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("text", "Connect <script>alert(1)</script> schools.", "HTML tags and scripts"),
        ("text", "x" * 5_001, "at most 5000 characters"),
        ("reason", "Out of \u202escope", "invisible control characters"),
        ("reason", '=HYPERLINK("http://x")<b>', "HTML tags and scripts"),
    ],
)
def test_hostile_text_in_a_decision_gets_a_message_and_is_kept(
    consultation, amendment, editor, signed_in, field, typed, message
):
    response = decide(signed_in(editor), amendment, decision="merge", **{field: typed})

    assert response.status_code == 400
    content = response.content.decode()
    assert message in content
    box = html5lib.parse(response.content, namespaceHTMLElements=False).find(
        f".//textarea[@name='{field}']"
    )
    assert box.text.strip() == typed
    amendment.refresh_from_db()
    assert amendment.outcome == Contribution.Outcome.PENDING
    assert line_text(consultation.draft, 1, 1) == "Action line 1.1 text."


@pytest.mark.browser
@pytest.mark.parametrize("language", ["", "/ar"])
def test_an_editor_merges_an_amendment_in_a_browser_without_javascript(
    staff,
    browser,
    live_server,
    sign_in_browser,
    consultation,
    amendment,
    editor,
    language,
):
    # `staff` first: it makes the role groups again, which the last browser test emptied.
    from tests.test_accessibility import AXE, RUN_AXE, WCAG_AA

    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 800})
    sign_in_browser(context, editor)
    page = context.new_page()
    page.goto(f"{live_server.url}{language}/drafting/{consultation.draft.pk}/")
    contributions = reverse("consultation:contributions", args=[consultation.draft.pk])
    page.locator(f"a[href$='{contributions}']").click()
    page.locator(f"a[href$='/consultation/manage/amendment/{amendment.pk}/']").click()
    page.locator("textarea[name=text]").fill("Action line 1.1 text, with public libraries.")
    page.locator("button[value=merge]").click()

    assert f"#contribution-{amendment.pk}" in page.url
    assert line_text(consultation.draft, 1, 1) == "Action line 1.1 text, with public libraries."
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()

    checked = browser.new_context(bypass_csp=True)
    sign_in_browser(checked, editor)
    page = checked.new_page()
    problems = {}
    for path in [
        reverse("consultation:contributions", args=[consultation.draft.pk]),
        reverse("consultation:decide", args=[amendment.pk]),
        reverse("consultation:reply", args=[amendment.pk]),
    ]:
        page.goto(f"{live_server.url}{language}{path}")
        page.add_script_tag(path=str(AXE))
        problems[path] = page.evaluate(RUN_AXE, WCAG_AA)
    checked.close()
    assert {path: found for path, found in problems.items() if found} == {}

"""A save refused because the draft (or the translation) left the editing state while someone
was writing answers 409: it says plainly what was not done and why, keeps what was typed on
screen, and offers what can be done from the new state."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils import translation as i18n

from principles.drafting import review, translation_services
from principles.models import Translation
from tests.html import csrf_token, parse_strict


def url(name, *args):
    return reverse(f"drafting:{name}", args=args)


def box_text(page, name: str) -> str:
    """What the form's box `name` holds: an input's value or a textarea's text."""
    box = page.find(f".//*[@name='{name}']")
    return ((box.text if box.tag == "textarea" else box.get("value")) or "").strip()


def opened(client, page_url: str) -> str:
    """The CSRF token of the page the editor opened before anything changed meanwhile."""
    return csrf_token(client.get(page_url))


def alert_of(response) -> tuple:
    """The page, and the words of its alert."""
    page = parse_strict(response.content)
    return page, " ".join("".join(page.find(".//section[@role='alert']").itertext()).split())


def approve_meanwhile(draft, make_user):
    """Another editor submits the draft and a reviewer approves it."""
    review.submit(reviewed=draft, by=make_user("olga", "Editor"))
    review.approve(reviewed=draft, by=make_user("rosa", "Reviewer"))


def publish_meanwhile(draft, make_user):
    approve_meanwhile(draft, make_user)
    review.publish(reviewed=draft, by=make_user("paul", "Publisher"))


def edit_page(draft, item: str) -> tuple[str, dict]:
    """The edit page of one item of the draft, and what an editor typed into it."""
    principle = draft.principles.get(position=2)
    action_line = principle.action_lines.get(position=3)
    page_url, key, typed = {
        "text": (
            url("edit-text", draft.pk),
            "version",
            {"title": "A retitled declaration", "preamble": "A preamble typed at length."},
        ),
        "principle": (
            url("edit-principle", draft.pk, principle.pk),
            str(principle.key),
            {"title": "A reworded principle", "explanation": "Typed with care."},
        ),
        "action line": (
            url("edit-action-line", draft.pk, action_line.pk),
            str(action_line.key),
            {"text": "An action line typed at length."},
        ),
    }[item]
    base = review.latest_revision_id(of=draft, item_key=key)
    return page_url, {**typed, "note": "Why I changed it", "base_revision": base}


@pytest.mark.parametrize("item", ["text", "principle", "action line"])
def test_a_save_into_a_draft_published_meanwhile_keeps_the_typed_text_and_offers_a_new_draft(
    draft, editor, make_user, signed_in, item
):
    page_url, typed = edit_page(draft, item)
    client = signed_in(editor)
    token = opened(client, page_url)
    publish_meanwhile(draft, make_user)
    published_text = draft.snapshot()

    response = client.post(page_url, {**typed, "csrfmiddlewaretoken": token})

    assert response.status_code == 409
    page, alert = alert_of(response)
    assert "Your text has not been saved" in alert
    assert "This draft has been published as version 2" in alert
    assert "What you typed is still in the form below" in alert
    assert {name: box_text(page, name) for name in typed if name != "base_revision"} == {
        name: value for name, value in typed.items() if name != "base_revision"
    }
    new_draft = page.find(".//section[@role='alert']//form")
    assert new_draft.get("action") == url("start")
    assert new_draft.get("target") == "_blank"
    assert draft.snapshot() == published_text


def test_a_save_into_a_draft_scheduled_meanwhile_keeps_the_typed_text(
    draft, editor, make_user, signed_in
):
    page_url, typed = edit_page(draft, "action line")
    client = signed_in(editor)
    token = opened(client, page_url)
    approve_meanwhile(draft, make_user)
    tomorrow = timezone.now() + timedelta(days=1)
    review.schedule(reviewed=draft, by=make_user("pia", "Publisher"), at=tomorrow)

    response = client.post(page_url, {**typed, "csrfmiddlewaretoken": token})

    assert response.status_code == 409
    page, alert = alert_of(response)
    assert "This draft is approved and scheduled for publication" in alert
    assert "If a reviewer sends the draft back to its editors, you can try again." in alert
    assert box_text(page, "text") == typed["text"]


@pytest.mark.parametrize(
    ("adding", "typed"),
    [
        ("add-principle", {"title": "A new principle", "explanation": "Because.", "note": ""}),
        ("add-action-line", {"text": "A new action line, typed at length.", "note": ""}),
    ],
)
def test_an_addition_to_a_draft_published_meanwhile_keeps_the_typed_text(
    draft, editor, make_user, signed_in, adding, typed
):
    args = [draft.pk] if adding == "add-principle" else [draft.pk, draft.principles.first().pk]
    client = signed_in(editor)
    token = opened(client, url(adding, *args))
    publish_meanwhile(draft, make_user)

    response = client.post(url(adding, *args), {**typed, "csrfmiddlewaretoken": token})

    assert response.status_code == 409
    page, alert = alert_of(response)
    assert "This draft has been published as version 2" in alert
    assert {name: box_text(page, name) for name in typed} == typed
    assert draft.principles.count() == 3


def reorder_request(draft, which: str) -> tuple[str, dict, object]:
    """The order page of the principles or of principle 1's action lines, what an editor typed
    into it (the last item first), and the items being ordered."""
    principle = draft.principles.get(position=1)
    if which == "principles":
        page_url, siblings = url("reorder-principles", draft.pk), draft.principles.all()
    else:
        page_url = url("reorder-action-lines", draft.pk, principle.pk)
        siblings = principle.action_lines.all()
    items = list(siblings)
    positions = {f"position_{item.pk}": str(n) for n, item in enumerate(items[-1:] + items[:-1], 1)}
    typed = {**positions, "note": "Lead with the last one"}
    return page_url, typed, siblings


@pytest.mark.parametrize("which", ["principles", "action lines"])
@pytest.mark.parametrize("meanwhile", [review.submit, publish_meanwhile])
def test_a_reorder_refused_because_the_draft_left_editing_keeps_the_typed_order(
    draft, editor, make_user, signed_in, which, meanwhile
):
    page_url, typed, siblings = reorder_request(draft, which)
    order_before = list(siblings.values_list("pk", flat=True))
    base = review.latest_revision_id(of=draft)
    client = signed_in(editor)
    token = opened(client, page_url)
    if meanwhile is review.submit:
        review.submit(reviewed=draft, by=make_user("olga", "Editor"))
    else:
        publish_meanwhile(draft, make_user)

    response = client.post(page_url, {**typed, "base_revision": base, "csrfmiddlewaretoken": token})

    assert response.status_code == 409
    page, alert = alert_of(response)
    assert "The new order has not been saved" in alert
    assert "The order you gave is still in the form below" in alert
    assert "only a draft in progress can be edited" in alert
    assert {name: box_text(page, name) for name in typed} == typed
    assert list(siblings.values_list("pk", flat=True)) == order_before


@pytest.mark.parametrize("which", ["principle", "action line"])
@pytest.mark.parametrize("meanwhile", [review.submit, publish_meanwhile])
def test_a_removal_refused_because_the_draft_left_editing_says_nothing_was_removed(
    draft, editor, make_user, signed_in, which, meanwhile
):
    principle = draft.principles.get(position=1)
    item = principle if which == "principle" else principle.action_lines.get(position=1)
    page_url = (
        url("remove-principle", draft.pk, item.pk)
        if which == "principle"
        else url("remove-action-line", draft.pk, item.pk)
    )
    typed = {
        "base_revision": review.latest_revision_id(of=draft, item_key=str(item.key)),
        "note": "No longer needed",
    }
    client = signed_in(editor)
    token = opened(client, page_url)
    if meanwhile is review.submit:
        review.submit(reviewed=draft, by=make_user("olga", "Editor"))
    else:
        publish_meanwhile(draft, make_user)

    response = client.post(page_url, {**typed, "csrfmiddlewaretoken": token})

    assert response.status_code == 409
    page, alert = alert_of(response)
    assert "Nothing was removed" in alert
    assert "only a draft in progress can be edited" in alert
    assert box_text(page, "note") == "No longer needed"
    assert type(item).objects.filter(pk=item.pk).exists()


def test_the_refusal_is_in_the_editors_language(draft, editor, make_user, signed_in):
    typed = edit_page(draft, "action line")[1]
    client = signed_in(editor)
    with i18n.override("fr"):
        page_url = edit_page(draft, "action line")[0]
    token = opened(client, page_url)
    publish_meanwhile(draft, make_user)

    # A request leaves its language active on the thread: the block gives English back after.
    with i18n.override("fr"):
        response = client.post(page_url, {**typed, "csrfmiddlewaretoken": token})
        new_draft_url = url("start")

    assert response.status_code == 409
    page, alert = alert_of(response)
    assert "Votre texte n\N{RIGHT SINGLE QUOTATION MARK}a pas été enregistré" in alert
    assert "Ce projet a été publié en tant que version 2" in alert
    assert page.find(".//section[@role='alert']//form").get("action") == new_draft_url
    assert box_text(page, "text") == typed["text"]


@pytest.fixture
def french(publish, make_user):
    version = publish(principles=2, action_lines=2)
    translator = make_user("tom", "Editor")
    translation = translation_services.start_translation(
        version=version, language="fr", by=translator
    )
    source = translation.source()
    for key in ["version"] + [
        k for p in source["principles"] for k in [p["key"], *(a["key"] for a in p["action_lines"])]
    ]:
        values = {
            name: f"FR {value}"
            for name, value in translation_services.source_item(source, key).items()
            if name != "number" and value
        }
        translation_services.save_translated_item(
            translation=translation, item_key=key, by=translator, values=values, base_revision=0
        )
    return translation


def translated_item_request(translation: Translation) -> tuple[str, dict]:
    key = translation.source()["principles"][1]["action_lines"][0]["key"]
    base = review.latest_revision_id(of=translation, item_key=key)
    typed = {"text": "Une traduction tapée avec soin.", "note": "Plus juste", "base_revision": base}
    return url("translate-item", translation.pk, key), typed


def test_a_translated_item_saved_after_the_translation_went_to_review_keeps_the_typed_text(
    french, make_user, signed_in
):
    page_url, typed = translated_item_request(french)
    client = signed_in(make_user("ines", "Editor"))
    token = opened(client, page_url)
    review.submit(reviewed=french, by=make_user("olga", "Editor"))

    response = client.post(page_url, {**typed, "csrfmiddlewaretoken": token})

    assert response.status_code == 409
    page, alert = alert_of(response)
    french.refresh_from_db()
    assert "Your text has not been saved" in alert
    assert "only a translation in progress can be edited" in alert
    assert "If a reviewer sends the translation back to its translators, you can try again." in (
        alert
    )
    assert box_text(page, "text") == typed["text"]
    assert box_text(page, "note") == typed["note"]
    assert french.text != {}
    assert typed["text"] not in str(french.text)


def test_a_translated_item_saved_after_the_translation_was_published_offers_a_revision(
    french, make_user, signed_in
):
    page_url, typed = translated_item_request(french)
    client = signed_in(make_user("ines", "Editor"))
    token = opened(client, page_url)
    review.submit(reviewed=french, by=make_user("olga", "Editor"))
    review.approve(reviewed=french, by=make_user("rosa", "Reviewer"))
    review.publish(reviewed=french, by=make_user("paul", "Publisher"))

    response = client.post(page_url, {**typed, "csrfmiddlewaretoken": token})

    assert response.status_code == 409
    page, alert = alert_of(response)
    french.refresh_from_db()
    assert "This translation is published" in alert
    assert box_text(page, "text") == typed["text"]
    revise = page.find(".//section[@role='alert']//form")
    assert revise.get("action") == url("start-translation", french.version.number)
    assert revise.get("target") == "_blank"
    assert revise.find(".//input[@name='language']").get("value") == "fr"
    assert typed["text"] not in str(french.text)

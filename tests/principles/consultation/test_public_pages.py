"""The public pages of consultations: the list, a consultation's page with its text, what
changed and the approved contributions, and an invited organisation's personal page."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.html import parse_strict, submit

LANGUAGES = ["en", "fr", "es", "ar", "ru", "zh-hans"]


def line_key(consultation, principle: int, line: int) -> str:
    return consultation.text["principles"][principle - 1]["action_lines"][line - 1]["key"]


def principle_key(consultation, principle: int) -> str:
    return consultation.text["principles"][principle - 1]["key"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_list_answers_in_every_language_and_lists_the_seeded_consultation(
    client, consultation, language
):
    path = "/consultation/" if language == "en" else f"/{language}/consultation/"
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Consultation on the second version" in page
    assert reverse("consultation:detail", args=[consultation.slug]) in page
    parse_strict(response.content)
    if language == "ar":
        assert '<html lang="ar" dir="rtl">' in page


def test_the_list_puts_open_consultations_before_coming_and_past_ones(
    client, make_consultation, changed_draft, contribute
):
    now = timezone.now()
    past = make_consultation(changed_draft, slug="past", title="A past round")
    past.close()
    make_consultation(
        changed_draft,
        slug="coming",
        title="A coming round",
        open=False,
        opens_at=now + timedelta(days=2),
        closes_at=now + timedelta(days=9),
    )
    current = make_consultation(changed_draft, slug="current", title="The open round")
    contribute(current)
    contribute(current, status="confirmed")
    page = client.get("/consultation/").content.decode()
    assert page.index("The open round") < page.index("A coming round") < page.index("A past round")
    assert "1 public contribution" in page
    assert "UTC" in page


def test_the_list_says_so_when_there_is_no_consultation(client, db):
    response = client.get("/consultation/")
    assert response.status_code == 200
    assert "There are no consultations yet" in response.content.decode()


def test_the_navigation_and_the_about_text_link_to_the_consultations(client, consultation):
    page = client.get("/consultation/").content.decode()
    assert 'href="/consultation/" aria-current="page">Consultation</a>' in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_consultation_page_shows_the_text_with_the_anchors_of_the_declaration(
    client, consultation, language
):
    prefix = "" if language == "en" else f"/{language}"
    response = client.get(f"{prefix}/consultation/{consultation.slug}/")
    assert response.status_code == 200
    page = response.content.decode()
    parse_strict(response.content)
    for anchor in ["principle-2", "principle-2-action-3", "principle-1-action-2", "preamble"]:
        assert f'id="{anchor}"' in page
    assert "Action line 1.2 text, made stronger." in page
    if language != "en":
        assert 'lang="en"' in page
        assert "Action line 1.2 text" in page


def test_a_consultation_page_shows_what_changed_word_by_word(client, consultation):
    page = client.get(f"/consultation/{consultation.slug}/").content.decode()
    assert "What changed against version 1" in page
    assert '<ins><span class="visually-hidden">inserted:</span>' in page
    assert "made stronger." in page


def test_before_opening_the_page_gives_the_dates_and_no_text(
    client, make_consultation, changed_draft
):
    now = timezone.now()
    make_consultation(
        changed_draft,
        slug="coming",
        open=False,
        opens_at=now + timedelta(days=2),
        closes_at=now + timedelta(days=9),
    )
    page = client.get("/consultation/coming/").content.decode()
    assert "has not opened yet" in page
    assert "Action line 1.2" not in page
    assert "take-part" not in page


def test_after_closing_the_text_and_contributions_stay_and_taking_part_is_closed(
    client, consultation, contribute
):
    contribute(consultation, body="Said while it was open.")
    consultation.close()
    page = client.get(f"/consultation/{consultation.slug}/").content.decode()
    assert "Said while it was open." in page
    assert "Action line 1.2 text, made stronger." in page
    assert "take-part" not in page
    assert reverse("consultation:report", args=[consultation.slug]) in page


def test_the_page_links_to_taking_part_on_each_clause(client, consultation):
    page = client.get(f"/consultation/{consultation.slug}/").content.decode()
    take_part = reverse("consultation:contribute", args=[consultation.slug])
    key = line_key(consultation, 1, 2)
    assert f"{take_part}?item={key}&amp;kind=amendment" in page
    assert f"{take_part}?item={principle_key(consultation, 2)}&amp;kind=new-action-line" in page
    assert f"{take_part}?kind=comment" in page


@pytest.mark.parametrize("status", ["unconfirmed", "confirmed", "rejected", "spam"])
def test_only_an_approved_contribution_is_shown(client, consultation, contribute, status):
    contribute(consultation, body="Approved words.")
    contribute(consultation, status=status, body="Words not public.")
    page = client.get(f"/consultation/{consultation.slug}/").content.decode()
    assert "Approved words." in page
    assert "Words not public." not in page


def test_a_withdrawn_contribution_shows_nothing(client, consultation, contribute):
    contribution = contribute(consultation, body="Taken back later.", name="Withdrawn Person")
    contribution.withdraw()
    page = client.get(f"/consultation/{consultation.slug}/").content.decode()
    assert "Taken back later." not in page
    assert "Withdrawn Person" not in page


def test_a_contribution_shows_who_sent_it_but_never_the_email(client, consultation, contribute):
    contribute(consultation, item_key=line_key(consultation, 1, 2))
    page = client.get(f"/consultation/{consultation.slug}/").content.decode()
    assert "Amina Diallo" in page
    assert "Schools Online Network" in page
    assert "Senegal" in page
    assert "amina@schools-online.example" not in page
    assert "schools-online.example" not in page


def test_an_amendment_is_shown_as_a_redline_with_its_reason_and_outcome(
    client, consultation, contribute, editor
):
    contribute(
        consultation,
        kind="amendment",
        item_key=line_key(consultation, 1, 2),
        proposed_text="Action line 1.2 text, made much stronger.",
        body="Stronger still.",
    )
    new_line = contribute(
        consultation,
        kind="new-action-line",
        item_key=principle_key(consultation, 3),
        proposed_text="Train every teacher.",
        body="Teachers matter.",
    )
    new_line.decide(outcome="declined", by=editor, reason="Covered by principle 2.")
    page = client.get(f"/consultation/{consultation.slug}/").content.decode()
    assert '<ins><span class="visually-hidden">inserted:</span>much </ins>' in page
    assert '<ins><span class="visually-hidden">inserted:</span>Train every teacher.</ins>' in page
    assert "Stronger still." in page
    assert "Under consideration" in page
    assert "Declined" in page
    assert "Covered by principle 2." in page


def test_replies_are_threaded_and_an_editors_reply_is_marked(
    client, consultation, contribute, editor
):
    key = line_key(consultation, 1, 2)
    first = contribute(consultation, item_key=key, body="The first comment.")
    contribute(consultation, item_key=key, body="A later comment.")
    contribute(consultation, item_key=key, parent=first, author=editor, body="The editors answer.")
    newest = client.get(f"/consultation/{consultation.slug}/").content.decode()
    assert newest.index("The editors answer.") < newest.index("A later comment.")
    threaded = client.get(f"/consultation/{consultation.slug}/?order=threaded").content.decode()
    assert (
        threaded.index("A later comment.")
        < threaded.index("The first comment.")
        < threaded.index("The editors answer.")
    )
    assert "Editors&#x27; reply" in threaded or "Editors' reply" in threaded
    assert "In reply to" in threaded


def test_a_clause_shows_its_first_contributions_and_links_to_all_of_them(
    client, consultation, contribute
):
    from principles.consultation.reading import PER_CLAUSE

    key = line_key(consultation, 1, 2)
    for number in range(PER_CLAUSE + 2):
        contribute(consultation, item_key=key, body=f"Comment number {number:02}.")
    page = client.get(f"/consultation/{consultation.slug}/").content.decode()
    assert "Comment number 00." not in page
    assert f"Show all {PER_CLAUSE + 2} contributions on this clause" in page
    everything = client.get(
        f"/consultation/{consultation.slug}/?clause=principle-1-action-2"
    ).content.decode()
    assert "Comment number 00." in everything


def test_odd_query_parameters_are_ignored(client, consultation):
    for query in ["order=sideways", "clause=<script>", "page=%D9%A3", "page=99999", "clause="]:
        response = client.get(f"/consultation/{consultation.slug}/?{query}")
        assert response.status_code == 200, query


def bulk_contributions(consultation, count: int, *, item_key: str | None = None):
    """`count` approved contributions spread over the clauses (or all on `item_key`), one in
    five an amendment."""
    from principles.models import Contribution

    lines = [
        line["key"]
        for principle in consultation.text["principles"]
        for line in principle["action_lines"]
    ]

    def on(number: int) -> str:
        if item_key is not None:
            return item_key
        if number % 5 == 0:  # amendments go on action lines, comments anywhere
            return lines[number % len(lines)]
        return ["", *lines][number % (len(lines) + 1)]

    now = timezone.now()
    Contribution.objects.bulk_create(
        Contribution(
            consultation=consultation,
            kind="amendment" if number % 5 == 0 else "comment",
            proposed_text="A new wording of the line." if number % 5 == 0 else "",
            item_key=on(number),
            body=f"Contribution {number}.",
            name=f"Person {number}",
            organisation_name="Org",
            organisation_type="ngo",
            country="KE",
            email=f"p{number}@example.org",
            language="en",
            status="approved",
            confirmed_at=now,
            approved_at=now,
            created_at=now - timedelta(minutes=number),
        )
        for number in range(count)
    )


@pytest.mark.parametrize("count", [10, 1000])
def test_the_consultation_pages_read_the_same_number_of_queries_for_10_or_1000_contributions(
    client, consultation, page_queries, count
):
    bulk_contributions(consultation, count)
    # The consultations; and, once for every page, the share card's current version, title
    # and count of endorsers.
    with page_queries(1 + 3):
        assert client.get("/consultation/").status_code == 200
    with page_queries(8):
        response = client.get(f"/consultation/{consultation.slug}/")
    assert response.status_code == 200
    assert "p1@example.org" not in response.content.decode()


def test_an_invited_round_shows_the_public_only_its_dates_and_the_organisations_named(
    client, make_consultation, changed_draft, contribute, publisher
):
    consultation = make_consultation(changed_draft, slug="advisory", audience="invited")
    consultation.invitations.create(
        organisation_name="Named Foundation",
        email="a@named.example",
        invited_by=publisher,
        listed=True,
    )
    consultation.invitations.create(
        organisation_name="Quiet Institute", email="b@quiet.example", invited_by=publisher
    )
    contribute(consultation, body="An advisory comment.")
    response = client.get("/consultation/advisory/")
    page = response.content.decode()
    parse_strict(response.content)
    assert "Named Foundation" in page
    assert "Quiet Institute" not in page
    assert "Action line 1.2" not in page
    assert "An advisory comment." not in page


def test_the_invited_page_shows_the_text_and_contributions_with_the_invitation(
    client, make_consultation, changed_draft, contribute, publisher
):
    consultation = make_consultation(changed_draft, slug="advisory", audience="invited")
    invitation = consultation.invitations.create(
        organisation_name="Quiet Institute", email="b@quiet.example", invited_by=publisher
    )
    contribute(consultation, body="An advisory comment.")
    token = invitation.token()
    response = client.get(reverse("consultation:invited", args=["advisory", token]))
    assert response.status_code == 200
    parse_strict(response.content)
    page = response.content.decode()
    assert "Action line 1.2 text, made stronger." in page
    assert "An advisory comment." in page
    assert f"&amp;{urlencode({'invitation': token})}" in page
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]


def test_an_invited_organisation_agrees_to_be_named_through_a_form_with_csrf(
    make_consultation, changed_draft, publisher, django_capture_on_commit_callbacks
):
    consultation = make_consultation(changed_draft, slug="advisory", audience="invited")
    invitation = consultation.invitations.create(
        organisation_name="Quiet Institute", email="b@quiet.example", invited_by=publisher
    )
    url = reverse("consultation:invited", args=["advisory", invitation.token()])
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(url, {"listed": "yes"}).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert submit(browser, url, {"listed": "yes"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.listed
    visitor = Client(enforce_csrf_checks=True)
    assert "Quiet Institute" in visitor.get("/consultation/advisory/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        submit(browser, url, {"listed": "no"})
    invitation.refresh_from_db()
    assert not invitation.listed
    assert "Quiet Institute" not in visitor.get("/consultation/advisory/").content.decode()
    assert submit(browser, url, {"listed": "maybe"}).status_code == 400


@pytest.mark.parametrize("token", ["nonsense", "x" * 500, "%E2%80%AE"])
def test_a_bad_invitation_link_gets_a_clear_not_found_page(
    client, make_consultation, changed_draft, token
):
    make_consultation(changed_draft, slug="advisory", audience="invited")
    response = client.get(f"/consultation/advisory/invited/{token}/")
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"


def test_an_invitation_link_stops_working_when_the_consultation_closes(
    client, make_consultation, changed_draft, publisher
):
    consultation = make_consultation(changed_draft, slug="advisory", audience="invited")
    invitation = consultation.invitations.create(
        organisation_name="Quiet Institute", email="b@quiet.example", invited_by=publisher
    )
    consultation.close()
    response = client.get(reverse("consultation:invited", args=["advisory", invitation.token()]))
    assert response.status_code == 404


def test_the_public_page_holds_no_form_and_is_served_from_the_cache(
    client, consultation, contribute, page_queries
):
    contribute(consultation, body="Cached words.")
    first = client.get(f"/consultation/{consultation.slug}/")
    assert b"<form" not in first.content
    assert b"csrfmiddlewaretoken" not in first.content
    with page_queries(0):
        again = client.get(f"/consultation/{consultation.slug}/")
    assert again.content == first.content


def test_a_contribution_is_shown_as_text_whatever_it_holds(client, consultation, contribute):
    contribute(
        consultation,
        body="<script>alert(1)</script> \u202etxet desrever",
        name="<b>Bold</b> Person",
        kind="amendment",
        item_key=line_key(consultation, 1, 1),
        proposed_text="<img src=x onerror=alert(1)> Action line 1.1 text.",
    )
    response = client.get(f"/consultation/{consultation.slug}/")
    page = response.content.decode()
    parse_strict(response.content)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "&lt;b&gt;Bold&lt;/b&gt; Person" in page


def test_a_reply_to_a_withdrawn_contribution_stands_on_its_own(client, consultation, contribute):
    key = line_key(consultation, 2, 1)
    parent = contribute(consultation, item_key=key, body="Soon withdrawn.")
    contribute(consultation, item_key=key, parent=parent, body="An answer that stays.")
    parent.withdraw()
    page = client.get(f"/consultation/{consultation.slug}/?order=threaded").content.decode()
    assert "An answer that stays." in page
    assert "Soon withdrawn." not in page
    assert "In reply to" not in page


def test_all_the_contributions_on_one_clause_come_a_page_at_a_time(client, consultation):
    from principles.consultation.reading import PER_PAGE

    bulk_contributions(consultation, PER_PAGE * 3, item_key=line_key(consultation, 3, 3))
    path = f"/consultation/{consultation.slug}/?clause=principle-3-action-3"
    first = client.get(path).content.decode()
    assert "Page 1 of" in first
    assert "clause=principle-3-action-3&amp;page=2" in first
    assert client.get(f"{path}&page=2").status_code == 200


@pytest.mark.parametrize("state", ["scheduled", "closed"])
def test_the_pages_before_opening_and_after_closing_are_valid_html(
    client, make_consultation, changed_draft, state
):
    now = timezone.now()
    if state == "scheduled":
        make_consultation(
            changed_draft,
            slug="round",
            open=False,
            opens_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=3),
        )
    else:
        make_consultation(changed_draft, slug="round").close()
    for language in LANGUAGES:
        prefix = "" if language == "en" else f"/{language}"
        response = client.get(f"{prefix}/consultation/round/")
        assert response.status_code == 200
        parse_strict(response.content)


@pytest.mark.browser
@pytest.mark.parametrize("language", ["", "/ar"])
def test_the_consultation_pages_meet_wcag_aa_and_fit_a_small_screen(
    transactional_db, live_server, browser, consultation, contribute, publisher, language
):
    from tests.test_accessibility import AXE, RUN_AXE, WCAG_AA
    from tests.test_small_screens import OVERFLOWING

    key = line_key(consultation, 1, 2)
    first = contribute(consultation, item_key=key, body="A comment in English.")
    contribute(consultation, item_key=key, kind="amendment", body="Why.", language="ar")
    contribute(consultation, item_key=key, parent=first, author=publisher, body="Thanks.")
    invitation = consultation.invitations.create(
        organisation_name="جمعية التعليم", email="a@b.example", invited_by=publisher
    )
    paths = [
        "/consultation/",
        f"/consultation/{consultation.slug}/?order=threaded",
        reverse("consultation:invited", args=[consultation.slug, invitation.token()]),
    ]
    found = {}
    checked = browser.new_context(bypass_csp=True, viewport={"width": 1024, "height": 768})
    small = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    for path in paths:
        page = checked.new_page()
        page.goto(f"{live_server.url}{language}{path}")
        page.add_script_tag(path=str(AXE))
        if problems := page.evaluate(RUN_AXE, WCAG_AA):
            found[path] = problems
        page = small.new_page()
        page.goto(f"{live_server.url}{language}{path}")
        if sticking_out := page.evaluate(OVERFLOWING):
            found[f"{path} at 320 px"] = sticking_out
    checked.close()
    small.close()

    assert found == {}


@pytest.mark.parametrize("language", ["fr", "es", "ar", "ru", "zh-hans"])
def test_every_consultation_page_is_in_the_readers_language(
    client, consultation, contribute, publisher, language
):
    from tests.test_languages import interface_texts, untranslated

    key = line_key(consultation, 1, 2)
    first = contribute(consultation, item_key=key)
    contribute(consultation, item_key=key, kind="amendment")
    contribute(consultation, item_key=key, parent=first, author=publisher, body="Thanks.")
    invitation = consultation.invitations.create(
        organisation_name="Quiet Institute", email="b@quiet.example", invited_by=publisher
    )
    paths = [
        "/consultation/",
        f"/consultation/{consultation.slug}/?order=threaded",
        reverse("consultation:invited", args=[consultation.slug, invitation.token()]),
        f"/consultation/{consultation.slug}/invited/not-a-token/",
    ]
    for path in paths:
        english = client.get(path)
        translated = client.get(f"/{language}{path}")
        left_in_english = untranslated(
            interface_texts(english.content), interface_texts(translated.content), language
        )
        # Names are what participants and invited organisations wrote, in any language.
        left_in_english -= {"Amina Diallo", "Schools Online Network", "Quiet Institute"}
        assert not left_in_english, (path, sorted(left_in_english))


def test_a_consultation_is_shared_with_its_introduction_and_the_consultations_card(
    client, make_consultation, changed_draft
):
    consultation = make_consultation(
        changed_draft, introduction="Tell us what you think of the new action line."
    )

    page = parse_strict(client.get(f"/consultation/{consultation.slug}/").content)

    descriptions = [m.get("content") for m in page.iter("meta") if m.get("name") == "description"]
    assert descriptions == ["Tell us what you think of the new action line."]
    (image,) = [m.get("content") for m in page.iter("meta") if m.get("property") == "og:image"]
    assert "/share/consultations/" in image

"""What strangers send to the consultation form (markup, spreadsheet formulas, bidi controls,
NUL, 20 kB, odd digits, a filled honeypot, a flood) gets a clear message that keeps what was
typed, never a 500; contact details never reach a public page."""

import pytest
from django.test import Client

from principles.models import Contribution
from tests.html import parse_strict, submit

from .test_taking_part import details, links_in, take_part_url, taking_part_settings  # noqa: F401


@pytest.fixture
def visitor():
    """A browser, whose errors come back as the page a visitor would see."""
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


def typed(response, name: str) -> str:
    page = parse_strict(response.content)
    field = page.find(f".//*[@name='{name}']")
    return field.text if field.tag == "textarea" else field.get("value")


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert('x')</script> <b>bold</b>",
        '=HYPERLINK("http://evil.example","click")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\uff21\uff4d\uff49\uff4e\uff41 ٣٤ ²³ 一二三",  # fullwidth letters, other digits
        "مدارس متصلة (Schools) ‏ok",
    ],
)
def test_markup_formulas_and_odd_characters_are_kept_as_typed_and_shown_as_text(
    visitor, consultation, moderator, body, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = submit(visitor, take_part_url(consultation), details(body=body, name=body[:50]))

    assert sent.status_code == 200
    contribution = Contribution.objects.get()
    assert contribution.body == body
    from django.core import mail

    confirm_page = visitor.get(links_in(mail.outbox[-1])["confirm"])
    assert b"<script>" not in confirm_page.content
    parse_strict(confirm_page.content)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("body", "Reads \u202ebackwards\u202c here", "invisible control characters"),
        ("name", "Amina \u202eDiallo", "invisible control characters"),
        ("organisation_name", "Schools\u202d Online", "invisible control characters"),
        ("body", "x" * 20_000, "Ensure this value has at most 5000 characters"),
        ("name", "n" * 20_000, "Ensure this value has at most 200 characters"),
        ("body", "", "This field is required."),
        ("email", "not an address", "Enter a valid email address."),
        ("email", f"{'a' * 60}@{'b' * 60}.{'c' * 60}.{'d' * 60}.{'e' * 60}.org", "at most 254"),
        ("country", "XX", "Select a valid choice."),
        ("organisation_type", "<script>", "Select a valid choice."),
        ("nickname", "bot", "Please leave this field empty."),
        ("consent", "", "We can only take contributions from people who agree to this."),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_everything_typed(
    visitor, consultation, field, value, message
):
    data = details(**{"body": "A careful comment that must not be lost.", field: value})

    refused = submit(visitor, take_part_url(consultation), data)

    assert refused.status_code == 400
    assert message in refused.content.decode()
    assert Contribution.objects.count() == 0
    kept = "body" if field != "body" else "name"
    assert typed(refused, kept).strip() == data[kept]
    if field in ("body", "name", "organisation_name") and value:
        assert typed(refused, field).strip() == value


def test_a_nul_character_is_refused_and_the_rest_of_the_text_is_kept(visitor, consultation):
    refused = submit(
        visitor, take_part_url(consultation), details(body="Half\x00 a comment", name="Am\x00ina")
    )

    assert refused.status_code == 400
    assert "Null characters are not allowed." in refused.content.decode()
    assert typed(refused, "body").strip() == "Half a comment"
    assert typed(refused, "name") == "Amina"
    assert Contribution.objects.count() == 0


def test_markup_in_a_proposed_text_is_refused_with_the_proposal_kept(visitor, consultation):
    line = consultation.text["principles"][0]["action_lines"][0]["key"]
    url = take_part_url(consultation, item=line, kind="amendment")
    proposal = "Connect <b>every</b> school."

    refused = submit(visitor, url, details(proposed_text=proposal))

    assert refused.status_code == 400
    assert "HTML tags and scripts are not allowed" in refused.content.decode()
    assert typed(refused, "proposed_text").strip() == proposal


def test_an_empty_proposal_is_refused(visitor, consultation):
    line = consultation.text["principles"][0]["action_lines"][0]["key"]
    url = take_part_url(consultation, item=line, kind="amendment")

    refused = submit(visitor, url, details(proposed_text="  "))

    assert refused.status_code == 400
    assert Contribution.objects.count() == 0


def test_accepted_contributions_from_one_address_are_limited_with_the_text_kept(
    visitor, consultation, settings
):
    settings.CONSULTATION_RATE_LIMIT = "2/h"
    url = take_part_url(consultation)
    for _mistake in range(5):
        # Mistakes do not count.
        submit(visitor, url, details(email="not an address"))
    for number in range(2):
        assert submit(visitor, url, details(email=f"p{number}@example.org")).status_code == 200

    refused = submit(visitor, url, details(email="p3@example.org", body="Third comment."))

    assert refused.status_code == 429
    assert "Too many contributions have been sent" in refused.content.decode()
    assert typed(refused, "body").strip() == "Third comment."
    assert Contribution.objects.count() == 2


@pytest.mark.parametrize("spelling", ["ann@example.org", " ANN@Example.org "])
def test_accepted_contributions_for_one_email_are_limited_from_any_address(
    consultation, settings, spelling
):
    settings.CONSULTATION_RATE_LIMIT = "2/h"
    url = take_part_url(consultation)
    for number in range(2):
        sender = Client(enforce_csrf_checks=True, REMOTE_ADDR=f"10.0.1.{number}")
        assert submit(sender, url, details(email="ann@example.org")).status_code == 200

    other = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.0.2.1")
    refused = submit(other, url, details(email=spelling))

    assert refused.status_code == 429
    assert Contribution.objects.count() == 2


ODD_VALUES = [
    "",
    "x" * 1024 * 1024,
    "a\x00b",
    "\u202eevil\u202c",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "²",
    "٣",
    "-1",
    "9" * 40,
]
FIELDS = [
    "proposed_text",
    "body",
    "name",
    "organisation_name",
    "organisation_type",
    "country",
    "email",
    "consent",
    "nickname",
]


@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_values_in_every_field_and_parameter_never_raise_a_server_error(
    consultation, settings, value
):
    settings.RATELIMIT_ENABLE = False
    stranger = Client(raise_request_exception=False)
    query = dict.fromkeys(("item", "kind", "reply_to", "invitation"), value[:4096])
    line = consultation.text["principles"][0]["action_lines"][0]["key"]
    urls = [
        take_part_url(consultation, **query),
        take_part_url(consultation, item=line, kind="amendment"),
        f"/consultation/confirm/{value[:1000]}/",
        f"/consultation/withdraw/{value[:1000]}/",
    ]
    answers = []
    for url in urls:
        answers.append(stranger.get(url))
        answers.append(stranger.post(url, dict.fromkeys(FIELDS, value)))
        answers.append(stranger.post(url, {name: [value, value] for name in FIELDS}))

    assert [answer.status_code for answer in answers if answer.status_code >= 500] == []


def test_contact_details_never_reach_the_confirmation_or_withdrawal_pages(
    visitor, consultation, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        submit(visitor, take_part_url(consultation), details())
    links = links_in(mail.outbox[-1])

    for link in links.values():
        assert b"amina@schools-online.example" not in Client().get(link).content

"""Endorsing: the form, what it records, and every kind of bad input."""

import re

import pytest
from django.core import mail
from django.test import Client

from endorsements.models import Endorsement
from tests.html import parse_strict, submit


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_the_form_shows_every_field_and_the_version_on_screen(client, version):
    response = client.get("/endorse/")

    page = parse_strict(response.content)
    names = {element.get("name") for element in page.iter() if element.get("name")}
    assert {
        "organisation_name",
        "organisation_type",
        "country",
        "website",
        "contact_name",
        "contact_role",
        "contact_email",
        "statement",
        "action_lines",
        "attestation",
        "consent",
        "version",
    } <= names
    assert "version 1" in text_of(page.find(".//p[@class='version-on-screen']"))
    assert version.content_hash.encode() in response.content
    legends = [text_of(legend) for legend in page.iter("legend")]
    assert "Principle 2 Principle title 2" in legends
    assert page.find(".//a[@href='/endorse/privacy/']") is not None


def test_a_valid_endorsement_records_the_version_and_emails_a_confirmation_link(
    endorse, form_data, version
):
    response = endorse(form_data())

    assert response.status_code == 302
    assert response["Location"] == "/endorse/check-your-email/"
    endorsement = Endorsement.objects.get()
    assert endorsement.status == Endorsement.Status.UNCONFIRMED
    assert endorsement.version == version
    assert endorsement.content_hash == version.content_hash
    assert endorsement.region == "africa"
    assert endorsement.action_lines.count() == 2
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["amina@openschools.example.org"]
    assert re.search(r"https://declaration.test/endorse/confirm/\S+/", mail.outbox[0].body)


def test_international_organisations_can_endorse(endorse, form_data):
    endorse(form_data(country="ZZ", organisation_type="intergovernmental"))

    assert Endorsement.objects.get().region == "international"


@pytest.mark.parametrize(
    "name",
    [
        "منظمة التعليم للجميع",
        "中国教育网络协会",
        "Schools 🌍 Connected 📡",
        "École Normale Supérieure",
        "ﷺ" * 200,  # one character that normalises to eighteen
    ],
)
def test_names_in_any_script_and_with_emoji_are_accepted(endorse, form_data, name):
    endorse(form_data(organisation_name=name))

    assert Endorsement.objects.get().organisation_name == name


def assert_kept(response, data: dict):
    """The form came back with a message, and with everything the person typed."""
    assert response.status_code == 200
    page = parse_strict(response.content)
    assert "Everything you typed has been kept" in text_of(page.find(".//main"))
    values = {i.get("name"): i.get("value") for i in page.iter("input") if i.get("value")}
    for name in ("organisation_name", "contact_name", "contact_role", "contact_email"):
        if data[name]:
            assert values.get(name) == data[name], name
    textarea = page.find(".//textarea[@name='statement']")
    assert (textarea.text or "").strip() == data["statement"].strip()
    checked = {i.get("value") for i in page.iter("input") if i.get("checked") is not None}
    assert set(data["action_lines"]) <= checked
    return page


def field_error(page, name: str) -> str:
    return text_of(page.find(f".//*[@id='error_1_id_{name}']"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("organisation_name", "", "This field is required."),
        ("contact_email", "", "This field is required."),
        ("organisation_name", "x" * 10_000, "at most 200 characters"),
        ("contact_role", "x" * 10_000, "at most 200 characters"),
        ("statement", "x" * 10_000, "at most 500 characters"),
        ("website", "javascript:alert(1)", "Enter a valid URL."),
        ("website", "ftp://example.org/", "Enter a valid URL."),
        ("contact_email", "amina@@example", "Enter a valid email address."),
        ("country", "XX", "Select a valid choice."),
        ("nickname", "I am a bot", "Please leave this field empty."),
    ],
)
def test_bad_input_gets_a_clear_message_and_loses_nothing(
    endorse, form_data, field, value, message
):
    data = form_data(**{field: value})

    response = endorse(data)

    page = assert_kept(response, data)
    assert message in field_error(page, field)
    assert not Endorsement.objects.exists()
    assert not mail.outbox


def test_attestation_and_consent_are_required(endorse, form_data):
    data = form_data()
    del data["attestation"], data["consent"]

    page = assert_kept(endorse(data), data)

    assert "authorised to endorse" in field_error(page, "attestation")
    assert "agree to be listed" in field_error(page, "consent")


def test_markup_in_a_name_is_stored_as_typed_and_shown_escaped(endorse, form_data, client):
    name = '<script>alert("x")</script> Org'
    endorse(form_data(organisation_name=name, statement="<b>bold</b>"))

    endorsement = Endorsement.objects.get()
    page = client.get(mail.outbox[0].body.split("https://declaration.test")[1].split()[0])

    assert endorsement.organisation_name == name
    assert b"<script>alert" not in page.content
    assert b"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Org" in page.content
    assert name in mail.outbox[0].body
    assert mail.outbox[0].content_subtype == "plain"


def test_an_organisation_cannot_endorse_twice_and_is_told_kindly(endorse, form_data):
    endorse(form_data(organisation_name="Open Schools Network"))
    data = form_data(organisation_name="  OPEN schools network. ", contact_email="b@example.org")

    response = endorse(data)

    page = assert_kept(response, data)
    assert "has already endorsed the declaration" in field_error(page, "organisation_name")
    assert (
        page.find(".//*[@id='error_1_id_organisation_name']//a").get("href") == "/endorse/new-link/"
    )
    assert Endorsement.objects.count() == 1


def test_the_same_name_in_another_country_is_another_organisation(endorse, form_data):
    endorse(form_data(country="KE"))
    endorse(form_data(country="UG"))

    assert Endorsement.objects.count() == 2


def test_a_rate_limited_visitor_gets_a_friendly_429_page_that_keeps_the_input(
    endorse, form_data, settings
):
    settings.ENDORSEMENT_RATE_LIMIT = "2/h"
    for country in ("KE", "UG"):
        endorse(form_data(country=country))
    data = form_data(country="TZ")

    response = endorse(data)

    assert response.status_code == 429
    page = parse_strict(response.content)
    assert "Nothing you typed is lost" in text_of(page.find(".//main"))
    assert (
        page.find(".//input[@name='organisation_name']").get("value") == data["organisation_name"]
    )
    assert Endorsement.objects.count() == 2


def test_the_form_refuses_a_post_without_a_csrf_token(form_data):
    response = Client(enforce_csrf_checks=True).post("/endorse/", form_data())

    assert response.status_code == 403
    assert not Endorsement.objects.exists()


def test_action_lines_of_another_version_are_ignored(endorse, form_data, publish):
    other = publish(principles=1, action_lines=1)
    foreign = other.principles.get().action_lines.get()
    data = form_data(version="1")
    data["action_lines"] = [*data["action_lines"], str(foreign.pk)]

    response = endorse(data)

    assert response.status_code == 200
    assert "Select a valid choice" in text_of(parse_strict(response.content).find(".//main"))


def test_the_endorsement_records_the_version_that_was_on_screen(endorse, form_data, publish):
    on_screen = form_data()
    publish()

    endorse(on_screen)

    endorsement = Endorsement.objects.get()
    assert endorsement.version.number == 1
    assert endorsement.content_hash == endorsement.version.content_hash


def test_a_next_parameter_cannot_send_anyone_to_another_site(form_data, client):
    with_next = form_data(next="https://evil.example/")

    response = submit(client, "/endorse/?next=https://evil.example/", with_next)

    assert response["Location"] == "/endorse/check-your-email/"


@pytest.mark.parametrize("name", ["!!!", "   ", "\u202e\u202e", "-- ? --"])
def test_a_name_without_a_letter_or_digit_is_refused_and_the_form_kept(endorse, form_data, name):
    response = endorse(form_data(organisation_name=name, contact_name="Kept Name"))

    page = response.content.decode()
    assert response.status_code == 200
    assert not Endorsement.objects.exists()
    assert "at least one letter or digit" in page or "This field is required." in page
    assert 'value="Kept Name"' in page


def test_characters_that_reorder_text_are_taken_out_of_a_name(endorse, form_data):
    endorse(form_data(organisation_name="Open \u202eSchools\u202c Network"))

    assert Endorsement.objects.get().organisation_name == "Open Schools Network"

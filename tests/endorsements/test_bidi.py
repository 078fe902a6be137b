"""Text that runs the other way is isolated: English action lines on the Arabic form, an Arabic
name on English pages and in English emails, an English name in Arabic emails."""

import re

from django.core import mail
from django.urls import reverse
from django.utils import translation

from tests.html import parse_strict, submit

FSI, PDI = "\u2068", "\u2069"
CAIRO = "جامعة القاهرة"


def test_on_the_arabic_form_each_number_is_isolated_beside_its_english_action_line(client, version):
    page = parse_strict(client.get("/ar/endorse/").content)

    groups = page.findall(".//fieldset[@class='action-line-group']")
    assert len(groups) == 3
    for number, group in enumerate(groups, start=1):
        principle, lines = group.find("legend/span"), group.findall(".//label/span")
        assert principle.get("class") == "numbered"
        assert (principle[0].tag, principle[0].get("dir")) == ("bdi", "rtl")
        assert principle[0].text == f"المبدأ {number}"
        assert len(lines) == 2
        for position, line in enumerate(lines, start=1):
            bdi, text = line
            assert line.get("class") == "numbered"
            assert (bdi.tag, bdi.get("dir"), bdi.text) == ("bdi", "ltr", f"{number}.{position}")
            assert (text.get("lang"), text.get("dir")) == ("en", "ltr")
            assert text.text == f"Action line {number}.{position} text."


def test_an_arabic_name_is_isolated_in_the_english_email_and_on_the_confirmation_page(
    client, endorse, form_data
):
    endorse(form_data(organisation_name=CAIRO, contact_name="أحمد علي"))

    body = mail.outbox[0].body
    assert body.startswith(f"Hello {FSI}أحمد علي{PDI},")
    assert f"on behalf of {FSI}{CAIRO}{PDI}." in body
    link = re.search(r"https://declaration.test(/\S+/)", body).group(1)
    assert f'<bdi dir="rtl">{CAIRO}</bdi>' in client.get(link).content.decode()


def test_an_english_name_is_isolated_in_the_arabic_email(
    client, form_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, "/ar/endorse/", form_data(contact_name="Amina Odhiambo"))

    body = mail.outbox[0].body
    assert f"{FSI}Amina Odhiambo{PDI}" in body
    assert f"{FSI}Open Schools Network{PDI}" in body


def test_a_bidirectional_override_in_a_contact_name_cannot_reorder_the_email(endorse, form_data):
    endorse(form_data(contact_name="Amina\u2069\u202e Odhiambo"))

    assert mail.outbox[0].body.startswith(f"Hello {FSI}Amina Odhiambo{PDI},")
    assert "\u202e" not in mail.outbox[0].body


def test_an_arabic_name_on_the_english_list_and_its_page_runs_right_to_left(
    client, make_endorsement
):
    endorser = make_endorsement(CAIRO, country="EG")

    entry = parse_strict(client.get("/endorsers/").content).find(".//li[@class='endorser']/h3")
    heading = parse_strict(client.get(f"/endorsers/{endorser.public_id}/").content).find(".//h1")

    assert (entry.get("dir"), entry.find("a").text) == ("auto", CAIRO)
    assert (heading.get("dir"), heading.text) == ("auto", CAIRO)


def test_on_an_arabic_endorser_page_each_commitment_keeps_its_number_beside_its_english_text(
    client, version, make_endorsement
):
    endorser = make_endorsement("Open Schools Network")
    endorser.action_lines.set([version.principles.first().action_lines.first()])
    with translation.override("ar"):
        url = reverse("endorsements:endorser", args=[endorser.public_id])

    page = parse_strict(client.get(url).content)

    heading = page.find(".//h3[@id='commitments-principle-1']")
    assert heading.get("class") == "numbered"
    assert (heading[0].tag, heading[0].get("dir"), heading[0].text) == ("bdi", "ltr", "1.")
    assert heading[1].get("dir") == "ltr"
    commitment = page.find(".//ul[@class='commitments']/li")
    number, text = commitment
    assert (commitment.get("class"), number.text) == ("numbered", "1.1")
    assert (text.get("lang"), text.get("dir"), text.text) == ("en", "ltr", "Action line 1.1 text.")

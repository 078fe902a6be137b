"""Trust levels: *domain confirmed* when the confirmed contact's email is at the website's
registrable domain, *verified by the secretariat* when a Moderator recorded how, otherwise
*self-declared*; kept right on every event, shown with its words wherever an endorser appears,
and how a Moderator verified never published."""

import csv
import hashlib
import importlib
import io
import json
import re

import pytest
from django.apps import apps
from django.core import mail

from endorsements.models import Endorsement
from endorsements.services import verify_endorser, withdraw_endorsement, withdraw_verification
from endorsements.trust import domains_match, refresh_trust_level
from principles.pdf.render import render_declaration_pdf
from principles.pdf.signatories import Signatory, SignatorySnapshot, signatories_of
from tests.html import parse_strict, submit
from tests.principles.pdf.pdf_reading import text_lines

Level = Endorsement.TrustLevel
SECRET_NOTE = "Phoned Jane Secretkeeper on +33 1 23 45 67 89; she confirmed."


@pytest.mark.parametrize(
    ("email", "website", "confirmed"),
    [
        ("amina@openschools.example.org", "https://openschools.example.org", True),
        # Subdomains of one registrable domain are one organisation.
        ("press@mail.unesco.org", "https://www.unesco.org/en", True),
        ("press@unesco.org", "https://en.unesco.org", True),
        ("A@UNESCO.ORG.", "https://Unesco.org./", True),
        ("press@unesco.org", "https://unesco.org:8443/x?y=1", True),
        ("info@news.bbc.co.uk", "https://www.bbc.co.uk", True),
        # Lookalikes are another registrable domain.
        ("press@unesco.org", "https://unesco.org.evil.com", False),
        ("press@unesco.org.evil.com", "https://unesco.org", False),
        ("press@evil-unesco.org", "https://unesco.org", False),
        ("press@unesco.com", "https://unesco.org", False),
        # Two organisations under one public suffix, ICANN's or a private one.
        ("info@other.co.uk", "https://bbc.co.uk", False),
        ("me@co.uk", "https://co.uk", False),
        ("bob@bob.github.io", "https://alice.github.io", False),
        ("me@github.io", "https://alice.github.io", False),
        # IDNs are compared in their ASCII form.
        ("info@bücher.de", "https://www.xn--bcher-kva.de", True),
        ("info@xn--bcher-kva.de", "https://bücher.de/", True),
        ("info@bucher.de", "https://bücher.de/", False),
        # Anyone can have webmail, even at the webmail's own website.
        ("someone@gmail.com", "https://gmail.com", False),
        ("someone@outlook.com", "https://www.outlook.com", False),
        # Addresses name machines, not organisations.
        ("root@[192.0.2.1]", "http://192.0.2.1/", False),
        ("root@192.0.2.1", "http://192.0.2.1/", False),
        ("root@[IPv6:2001:db8::1]", "http://[2001:db8::1]/", False),
        ("root@localhost", "http://localhost/", False),
        # Nothing to compare, or something hostile.
        ("", "https://unesco.org", False),
        ("press@unesco.org", "", False),
        ("press@unesco.org", "not a url", False),
        ("press@unesco.org\u202e", "https://unesco.org", False),
        ("press@\x00unesco.org", "https://\x00unesco.org", False),
        ("press@" + "a" * 70 + ".org", "https://" + "a" * 70 + ".org", False),
    ],
)
def test_a_domain_is_confirmed_only_at_the_websites_registrable_domain(email, website, confirmed):
    assert domains_match(email=email, website=website) is confirmed


def confirm_link(message) -> str:
    return re.search(r"https://declaration.test(/endorse/confirm/\S+/)", message.body)[1]


def test_confirming_from_the_websites_domain_makes_the_endorsement_domain_confirmed(
    client, endorse, form_data
):
    endorse(form_data())
    endorsement = Endorsement.objects.get()
    assert endorsement.trust_level == Level.SELF_DECLARED

    submit(client, confirm_link(mail.outbox[-1]))

    endorsement.refresh_from_db()
    assert endorsement.trust_level == Level.DOMAIN_CONFIRMED


def test_confirming_from_webmail_leaves_the_endorsement_self_declared(client, endorse, form_data):
    endorse(form_data(contact_email="amina.odhiambo@gmail.com"))

    submit(client, confirm_link(mail.outbox[-1]))

    assert Endorsement.objects.get().trust_level == Level.SELF_DECLARED


def test_a_changed_website_or_email_refreshes_the_level_and_says_whether_it_changed(
    make_endorsement, django_assert_num_queries
):
    endorsement = make_endorsement(
        website="https://schools.example.net", contact_email="head@schools.example.net"
    )
    assert refresh_trust_level(endorsement) is True
    assert endorsement.trust_level == Level.DOMAIN_CONFIRMED

    with django_assert_num_queries(0):
        assert refresh_trust_level(endorsement) is False

    endorsement.website = "https://another.example.com"
    assert refresh_trust_level(endorsement) is True
    endorsement.refresh_from_db()
    assert endorsement.trust_level == Level.SELF_DECLARED


def test_verifying_and_withdrawing_a_verification_set_the_level_each_time(
    make_endorsement, moderator
):
    endorsement = make_endorsement(
        website="https://schools.example.net",
        contact_email="head@schools.example.net",
        trust_level=Level.DOMAIN_CONFIRMED,
    )

    verify_endorser(endorsement=endorsement, moderator=moderator, note=SECRET_NOTE)
    endorsement.refresh_from_db()
    assert endorsement.trust_level == Level.VERIFIED
    assert (endorsement.verified_by, endorsement.verification_note) == (moderator, SECRET_NOTE)

    withdraw_verification(endorsement=endorsement, moderator=moderator, reason="Wrong entry.")
    endorsement.refresh_from_db()
    assert endorsement.trust_level == Level.DOMAIN_CONFIRMED
    assert (endorsement.verified_at, endorsement.verification_note) == (None, "")


def test_withdrawing_an_endorsement_erases_how_it_was_verified(make_endorsement, moderator):
    endorsement = make_endorsement()
    verify_endorser(endorsement=endorsement, moderator=moderator, note=SECRET_NOTE)

    withdraw_endorsement(endorsement=endorsement)

    endorsement.refresh_from_db()
    assert endorsement.verification_note == ""
    assert endorsement.verified_at is not None  # the date stays, for the record


def test_the_migration_sets_the_level_of_existing_endorsements(make_endorsement, moderator):
    same_domain = make_endorsement(
        website="https://schools.example.net", contact_email="head@schools.example.net"
    )
    unconfirmed = make_endorsement(
        status="unconfirmed",
        website="https://schools.example.com",
        contact_email="head@schools.example.com",
    )
    Endorsement.objects.filter(pk=unconfirmed.pk).update(confirmed_at=None)
    webmail = make_endorsement(website="https://gmail.com", contact_email="x@gmail.com")
    verified = make_endorsement(trust_level=Level.DOMAIN_CONFIRMED)
    Endorsement.objects.filter(pk=verified.pk).update(verified_at=verified.approved_at)
    migration = importlib.import_module("endorsements.migrations.0010_set_trust_levels")

    migration.set_trust_levels(apps, None)

    levels = dict(Endorsement.objects.values_list("pk", "trust_level"))
    assert levels == {
        same_domain.pk: Level.DOMAIN_CONFIRMED,
        unconfirmed.pk: Level.SELF_DECLARED,
        webmail.pk: Level.SELF_DECLARED,
        verified.pk: Level.VERIFIED,
    }


@pytest.fixture
def three_levels(make_endorsement):
    return {
        level: make_endorsement(f"{label} Org", trust_level=level)
        for level, label in [
            (Level.SELF_DECLARED, "Plain"),
            (Level.DOMAIN_CONFIRMED, "Domain"),
            (Level.VERIFIED, "Checked"),
        ]
    }


def badges_on(response) -> dict[str, str]:
    """Each listed endorser's name and the words of its badge."""
    page = parse_strict(response.content)
    return {
        "".join(entry.find("h3").itertext()).strip(): "".join(
            entry.find(".//span[@class]").itertext()
        ).strip()
        for entry in page.iter("li")
        if "endorser" in entry.get("class", "").split()
    }


def test_the_list_shows_each_endorsers_level_in_words(client, three_levels):
    assert badges_on(client.get("/endorsers/")) == {
        "Plain Org": "Self-declared",
        "Domain Org": "Domain confirmed",
        "Checked Org": "Verified by the secretariat",
    }


def test_the_list_filters_by_level_and_ignores_an_unknown_level_saying_so(client, three_levels):
    assert list(badges_on(client.get("/endorsers/?trust=verified"))) == ["Checked Org"]
    assert list(badges_on(client.get("/endorsers/?trust=domain-confirmed"))) == ["Domain Org"]

    response = client.get("/endorsers/?trust=%3Cscript%3Ealert(1)%3C/script%3E")

    assert len(badges_on(response)) == 3
    text = response.content.decode()
    assert "is not valid here, so it was ignored" in text
    assert "<script>alert(1)" not in text


def test_the_headline_says_how_many_are_verified_with_links_to_them(
    client, three_levels, make_endorsement
):
    make_endorsement("Second Checked Org", trust_level=Level.VERIFIED)

    page = parse_strict(client.get("/endorsers/").content)

    headline = page.find(".//span[@class='trust-count']")
    links = {"".join(a.itertext()).strip(): a.get("href") for a in headline.iter("a")}
    assert links == {
        "2 of them are verified by the secretariat.": "/endorsers/?trust=verified",
        "1 has its domain confirmed.": "/endorsers/?trust=domain-confirmed",
    }


def test_a_verification_shows_at_once_on_the_cached_list(
    client, make_endorsement, moderator, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement("Soon Checked Org")
    assert badges_on(client.get("/endorsers/?trust=verified")) == {}

    with django_capture_on_commit_callbacks(execute=True):
        verify_endorser(endorsement=endorsement, moderator=moderator, note=SECRET_NOTE)

    assert badges_on(client.get("/endorsers/?trust=verified")) == {
        "Soon Checked Org": "Verified by the secretariat"
    }


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def test_the_open_data_carry_the_level_and_never_the_note(
    client, make_endorsement, moderator, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement("Checked Org")
    make_endorsement("Plain Org")
    with django_capture_on_commit_callbacks(execute=True):
        verify_endorser(endorsement=endorsement, moderator=moderator, note=SECRET_NOTE)

    rows = list(csv.DictReader(io.StringIO(body(client.get("/endorsers.csv")))))
    excel = body(client.get("/endorsers-excel.csv"))
    endorsers = json.loads(body(client.get("/endorsers.json")))["endorsers"]

    levels = {"Checked Org": "verified", "Plain Org": "self-declared"}
    assert {row["organisation_name"]: row["trust_level"] for row in rows} == levels
    assert {row["organisation_name"]: row["trust_level"] for row in endorsers} == levels
    for text in (json.dumps(rows), excel, json.dumps(endorsers)):
        assert "Secretkeeper" not in text


def test_no_public_page_shows_how_an_endorser_was_verified(
    client, make_endorsement, moderator, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement("Checked Org")
    with django_capture_on_commit_callbacks(execute=True):
        verify_endorser(endorsement=endorsement, moderator=moderator, note=SECRET_NOTE)

    for path in ["/", "/endorsers/", "/endorsers/?trust=verified", "/endorsers/count.json"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Secretkeeper" not in body(response), path


def old_digest(snapshot: SignatorySnapshot) -> str:
    """The snapshot's digest as computed before trust levels existed."""
    rows = sorted(
        [s.name, s.country_code, s.organisation_type, *filter(None, [s.earlier_version])]
        for s in snapshot.signatories
    )
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def test_self_declared_signatories_hash_as_before_and_a_verification_makes_a_new_pdf(
    version, make_endorsement, moderator
):
    checked = make_endorsement("Checked Org")
    make_endorsement("Plain Org")
    make_endorsement("Plain Org", country="KE")  # the same name and type twice: still sorted
    before = signatories_of(version)
    assert before.digest == old_digest(before)

    verify_endorser(endorsement=checked, moderator=moderator, note=SECRET_NOTE)

    assert signatories_of(version).digest != before.digest


def test_equal_names_with_an_earlier_version_and_a_level_are_hashed_without_error():
    snapshot = SignatorySnapshot(
        signatories=(
            Signatory("Twin", "FR", "ngo", earlier_version=1),
            Signatory("Twin", "FR", "ngo", trust_level=Level.VERIFIED),
        ),
        taken_at=None,
    )

    assert len(snapshot.digest) == 64


def test_the_pdf_annex_names_the_levels_and_never_the_note(
    version, make_endorsement, moderator, pdf_settings
):
    verify_endorser(
        endorsement=make_endorsement("Checked Org"), moderator=moderator, note=SECRET_NOTE
    )
    make_endorsement("Domain Org", trust_level=Level.DOMAIN_CONFIRMED)
    make_endorsement("Plain Org")

    pdf = render_declaration_pdf(version_id=version.pk)
    with pdf.file.open("rb") as stored:
        lines = text_lines(stored.read())

    # The annex's running text may wrap an entry onto the next line.
    text = " ".join(" ".join(lines).split())
    assert "Checked Org (Verified by the secretariat)" in text
    assert "Domain Org (Domain confirmed)" in text
    assert "Plain Org (" not in text
    assert "self-declared." in text
    assert "Secretkeeper" not in text


def test_the_certificate_states_the_level(
    make_endorsement, moderator, pdf_settings, client, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement("Checked Org")
    link = "/endorsers/certificate/{}.pdf".format(endorsement.link_token("certificate"))
    assert "Trust level: Self-declared" in "\n".join(text_lines(client.get(link).getvalue()))

    # The worker renders it anew once the verification commits.
    with django_capture_on_commit_callbacks(execute=True):
        verify_endorser(endorsement=endorsement, moderator=moderator, note=SECRET_NOTE)

    text = "\n".join(text_lines(client.get(link).getvalue()))
    assert "Trust level: Verified by the secretariat" in text
    assert "Secretkeeper" not in text

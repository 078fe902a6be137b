"""Moderators' tools against fraud: where submissions come from (by hour, email domain and
network, with spikes), bulk decisions on exactly what was previewed and their undoing, and the
confirmation email's "this wasn't us" link."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.utils import timezone

from declaration_site.client_identity import client_network, network_of
from declaration_site.email_domains import mailbox_key
from endorsements.models import Endorsement, ModerationBatch
from principles.models import AuditEntry
from tests.html import csrf_token, parse_strict, submit

ACTIVITY = "/moderation/activity/"
BULK = "/moderation/bulk/"
NOW = timezone.now


def signed_in(user) -> Client:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


@pytest.fixture
def moderator_client(moderator):
    return signed_in(moderator)


@pytest.fixture
def burst(make_endorsement):
    """Twelve submissions from one network within one hour, under two hours ago, two of them
    confirmed, and a few ordinary ones from elsewhere, spread over the day."""

    def make(network="203.0.113.0/24", count=12, domain="spam.example"):
        # In one hour whatever the time of day: the last hour's half past, and a few minutes
        # before it (minutes ago from now would straddle two hours at a quarter past).
        base = (NOW() - timedelta(hours=1)).replace(minute=30, second=0, microsecond=0)
        made = [
            make_endorsement(
                name=f"Burst {network} {index}",
                status="confirmed" if index < 2 else "unconfirmed",
                submitted_from=network,
                contact_email=f"x{index}@{domain}",
                email_key=f"x{index}@{domain}",
                submitted_at=base - timedelta(minutes=index),
            )
            for index in range(count)
        ]
        for hours in (3, 9, 20):
            make_endorsement(
                name=f"Ordinary {hours}",
                status="confirmed",
                submitted_from="198.51.100.0/24",
                contact_email=f"office@school{hours}.example.org",
                email_key=f"office@school{hours}.example.org",
                submitted_at=NOW() - timedelta(hours=hours),
            )
        return made

    return make


def statuses(endorsements) -> list[str]:
    return [Endorsement.objects.get(pk=e.pk).status for e in endorsements]


def notices(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def preview(client, **query):
    window = {
        "start": (NOW() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "end": (NOW() + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    return client.get(BULK, {**window, **query})


def apply(client, previewed, **decision):
    data = {
        "preview": re.search(rb'name="preview" value="([^"]+)"', previewed.content)
        .group(1)
        .decode(),
        "csrfmiddlewaretoken": csrf_token(previewed),
        **decision,
    }
    return client.post(BULK, data)


# Where a submission comes from.


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        ("::ffff:203.0.113.9", "203.0.113.0/24"),
        ("not an address", ""),
        ("", ""),
        ("\uff12\uff10\uff13.\uff10.\uff11\uff11\uff13.\uff17", ""),  # full-width digits
    ],
)
def test_a_submission_is_counted_by_its_network_never_its_address(address, network):
    assert network_of(address) == network


def test_the_endorse_form_records_the_network_and_the_folded_address(endorse, form_data):
    endorse(form_data(contact_email="Amina.Odhiambo+decl@GoogleMail.com"))

    endorsement = Endorsement.objects.get()
    assert endorsement.submitted_from == "127.0.0.0/24"
    assert endorsement.email_key == "aminaodhiambo@gmail.com"


def test_an_unknown_client_address_records_no_network(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="")

    assert client_network(request) == ""


@pytest.mark.parametrize(
    ("email", "key"),
    [
        ("ann@example.org", "ann@example.org"),
        (" Ann@Example.ORG ", "ann@example.org"),
        ("ann+news@example.org", "ann@example.org"),
        ("a.n.n@example.org", "a.n.n@example.org"),
        ("a.n.n@gmail.com", "ann@gmail.com"),
        ("A.N.N+x+y@googlemail.com", "ann@gmail.com"),
        ("ann@gmail.com.", "ann@gmail.com"),
        ("+tag@example.org", "+tag@example.org"),
        ("...@gmail.com", "...@gmail.com"),
        ('"a@b"@example.org', '"a@b"@example.org'),
        ("no-at-sign", "no-at-sign"),
        ("", ""),
    ],
)
def test_webmail_aliases_fold_to_one_mailbox(email, key):
    assert mailbox_key(email) == key


def test_withdrawing_erases_the_network_and_the_folded_address(make_endorsement):
    endorsement = make_endorsement(submitted_from="203.0.113.0/24", email_key="a@example.org")

    endorsement.withdraw()

    endorsement.refresh_from_db()
    assert (endorsement.submitted_from, endorsement.email_key) == ("", "")


# The activity page.


def test_the_activity_page_is_for_moderators_only(client, db):
    assert client.get(ACTIVITY).status_code == 302
    someone = signed_in(User.objects.create_user("someone"))
    assert someone.get(ACTIVITY).status_code == 403
    assert someone.get(BULK).status_code == 403
    assert someone.post(BULK).status_code == 403
    assert someone.get(f"{BULK}1/undo/").status_code == 403


def test_the_queue_links_to_the_fraud_tools(moderator_client, db):
    content = moderator_client.get("/moderation/").content.decode()

    assert f'href="{ACTIVITY}"' in content
    assert f'href="{BULK}"' in content


def test_a_burst_from_one_network_and_one_domain_is_a_spike(moderator_client, burst):
    burst()

    response = moderator_client.get(ACTIVITY)

    assert response.status_code == 200
    parse_strict(response.content)
    networks = {row.key: row for row, _query in response.context["networks"]}
    assert networks["203.0.113.0/24"].spike
    assert networks["203.0.113.0/24"].total == 12
    assert networks["203.0.113.0/24"].counts == {
        "unconfirmed": 10,
        "waiting": 2,
        "approved": 0,
        "removed": 0,
        "cancelled": 0,
    }
    assert not networks["198.51.100.0/24"].spike
    domains = {row.key: row for row, _query in response.context["domains"]}
    assert domains["spam.example"].spike
    assert not domains["example.org"].spike
    assert domains["example.org"].total == 3
    spikes = [row for row in response.context["hours"] if row.spike]
    assert len(spikes) == 1
    assert spikes[0].total == 12
    assert "Spike" in response.content.decode()


def test_a_busy_hour_under_the_minimum_is_no_spike(moderator_client, burst):
    burst(count=9)

    response = moderator_client.get(ACTIVITY)

    assert not [row for row in response.context["hours"] if row.spike]
    assert not [row for row, _query in response.context["networks"] if row.spike]


def test_aliases_of_one_inbox_count_as_one_address(moderator_client, make_endorsement):
    for alias in ["ann@gmail.com", "a.nn@gmail.com", "ann+1@googlemail.com", "bob@gmail.com"]:
        make_endorsement(contact_email=alias, email_key=mailbox_key(alias), status="confirmed")

    response = moderator_client.get(ACTIVITY)

    (gmail,) = [row for row, _query in response.context["domains"] if row.key == "gmail.com"]
    assert (gmail.total, gmail.addresses) == (4, 2)
    assert response.context["totals"].addresses == 2


def test_subdomains_are_counted_under_their_registrable_domain(moderator_client, make_endorsement):
    for email in ["a@mail.example.co.uk", "b@example.co.uk", "c@other.co.uk"]:
        make_endorsement(contact_email=email, email_key=email, status="confirmed")

    response = moderator_client.get(ACTIVITY)

    counted = {row.key: row.total for row, _query in response.context["domains"]}
    assert counted == {"example.co.uk": 2, "other.co.uk": 1}


def test_the_window_is_chosen_and_a_bad_one_is_explained(moderator_client, make_endorsement):
    make_endorsement(status="confirmed", submitted_at=NOW() - timedelta(days=5))

    default = moderator_client.get(ACTIVITY)
    wider = moderator_client.get(
        ACTIVITY, {"start": (NOW() - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M")}
    )
    backwards = moderator_client.get(
        ACTIVITY, {"start": "2026-12-05T10:00", "end": "2026-12-01T10:00"}
    )
    garbled = moderator_client.get(ACTIVITY, {"start": "'; DROP TABLE x;--\x00", "end": "٢٠٢٦"})
    too_long = moderator_client.get(
        ACTIVITY, {"start": "2025-01-01T00:00", "end": "2026-01-01T00:00"}
    )

    assert default.context["totals"].total == 0
    assert wider.context["totals"].total == 1
    assert backwards.status_code == 400
    assert "The end must come after the start." in backwards.content.decode()
    assert garbled.status_code == 400
    assert too_long.status_code == 400
    assert "at most 31 days" in too_long.content.decode()
    assert 'value="2026-12-05T10:00"' in backwards.content.decode()


def test_cancellations_are_counted_on_the_activity_page(moderator_client, make_endorsement):
    make_endorsement(status="unconfirmed").cancel()

    response = moderator_client.get(ACTIVITY)

    assert response.context["totals"].counts["cancelled"] == 1
    assert "1 was cancelled by its contact" in response.content.decode()


def test_the_activity_page_reads_a_few_queries_whatever_the_data(
    moderator_client, burst, django_assert_max_num_queries
):
    moderator_client.get(ACTIVITY)  # the session and the user
    burst(count=40)

    with django_assert_max_num_queries(8):
        moderator_client.get(ACTIVITY)


# Bulk actions.


def test_the_preview_lists_every_pending_match_and_never_an_approved_one(
    moderator_client, burst, make_endorsement
):
    swept = burst()
    approved = make_endorsement(name="Approved", submitted_from="203.0.113.0/24")

    response = preview(moderator_client, kind="network", value="203.0.113.200")

    assert response.status_code == 200
    parse_strict(response.content)
    assert response.context["match_count"] == 12
    assert {e.pk for e in response.context["matches"]} == {e.pk for e in swept}
    assert approved.organisation_name not in response.content.decode()


def test_what_is_applied_is_exactly_what_was_previewed(moderator_client, burst, moderator):
    swept = burst()
    previewed = preview(moderator_client, kind="network", value="203.0.113.0/24")

    response = apply(moderator_client, previewed, decision="spam")

    batch = ModerationBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{BULK}{batch.pk}/undo/"
    assert set(statuses(swept)) == {"spam"}
    assert {item.endorsement_id for item in batch.items.all()} == {e.pk for e in swept}
    assert (
        sorted(item.previous_status for item in batch.items.all())
        == ["confirmed"] * 2 + ["unconfirmed"] * 10
    )
    audited = AuditEntry.objects.filter(action=AuditEntry.Action.ENDORSEMENT_SPAM)
    assert audited.count() == 12
    assert audited.first().actor == moderator
    assert (
        Endorsement.objects.filter(status="confirmed", submitted_from="198.51.100.0/24").count()
        == 3
    )


def test_what_arrives_between_preview_and_confirmation_is_left_alone(
    moderator_client, burst, make_endorsement, moderator
):
    burst()
    previewed = preview(moderator_client, kind="network", value="203.0.113.0/24")
    late = make_endorsement(name="Late", status="unconfirmed", submitted_from="203.0.113.0/24")
    decided = Endorsement.objects.get(organisation_name="Burst 203.0.113.0/24 0")
    decided.approve(by=moderator)

    response = apply(moderator_client, previewed, decision="rejected", code="spam-like")

    assert statuses([late, decided]) == ["unconfirmed", "approved"]
    assert ModerationBatch.objects.get().items.count() == 11
    assert "1 changed after the preview" in " ".join(
        notices(moderator_client.get(response["Location"]))
    )


def test_a_rejection_needs_a_standard_reason_and_keeps_the_preview(moderator_client, burst):
    burst()
    previewed = preview(moderator_client, kind="network", value="203.0.113.0/24")

    response = apply(moderator_client, previewed, decision="rejected")

    assert response.status_code == 400
    assert "Choose the reason for the rejection." in response.content.decode()
    assert re.search(rb'name="preview" value="[^"]+"', response.content)
    assert not ModerationBatch.objects.exists()


def test_a_forged_or_stale_preview_is_refused(moderator_client, burst, settings):
    burst()
    previewed = preview(moderator_client, kind="network", value="203.0.113.0/24")
    token = csrf_token(previewed)

    forged = moderator_client.post(
        BULK, {"preview": "e30:forged", "decision": "spam", "csrfmiddlewaretoken": token}
    )

    assert forged.status_code == 400
    assert "Preview again." in forged.content.decode()
    assert not ModerationBatch.objects.exists()


def test_applying_needs_the_csrf_token(moderator, burst):
    burst()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(moderator)
    previewed = preview(browser, kind="network", value="203.0.113.0/24")
    token = re.search(rb'name="preview" value="([^"]+)"', previewed.content).group(1).decode()

    response = browser.post(BULK, {"preview": token, "decision": "spam"})

    assert response.status_code == 403
    assert not ModerationBatch.objects.exists()


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("domain", "x' OR 1=1 --", "Remove the spaces"),
        ("domain", "x'OR'1'='1", "Type a domain name"),
        ("domain", ".*", "Type a domain name"),
        ("domain", "exa\u202emple.org", "invisible characters"),
        ("domain", "example.org\x00", "Null characters are not allowed."),
        ("network", "203.0.113.0/16", "Type an IP address"),
        ("network", "\uff12\uff10\uff13.\uff10.\uff11\uff11\uff13.\uff10", "Type an IP address"),
        ("network", "';DROP/**/TABLE/**/endorsements_endorsement;--", "Type an IP address"),
        ("email", "not-an-address", "Type an email address"),
        ("name", "%_.*", "Type a part of a name"),
        ("name", "x" * 10_000, "at most 254 characters"),
        ("name", "", "Type the domain, network, address or name to match."),
        ("sql", "x", "Select a valid choice."),
    ],
)
def test_hostile_patterns_are_refused_with_a_message_that_keeps_them(
    moderator_client, make_endorsement, kind, value, message
):
    make_endorsement(name="Something", status="confirmed")

    response = preview(moderator_client, kind=kind, value=value)

    assert response.status_code == 400
    content = response.content.decode()
    assert message in content
    assert "match" not in response.context or not response.context.get("match_count")
    if kind in {"domain", "network"} and "\x00" not in value and len(value) < 100:
        assert response.context["form"]["value"].value() == value


def test_a_name_pattern_matches_the_normalised_name_and_nothing_is_treated_as_a_wildcard(
    moderator_client, make_endorsement
):
    make_endorsement(name="Fundación Buena", status="confirmed")
    make_endorsement(name="100% Schools", status="confirmed")
    make_endorsement(name="Other", status="unconfirmed")

    found = preview(moderator_client, kind="name", value="FUNDACION")
    percent = preview(moderator_client, kind="name", value="100%")

    assert [e.organisation_name for e in found.context["matches"]] == ["Fundación Buena"]
    assert [e.organisation_name for e in percent.context["matches"]] == ["100% Schools"]


def test_a_domain_pattern_matches_its_subdomains_and_folded_addresses(
    moderator_client, make_endorsement
):
    for email in ["a@spam.example", "b@mail.spam.example", "c@notspam.example"]:
        make_endorsement(contact_email=email, email_key=email, status="confirmed")
    make_endorsement(
        contact_email="A.n.n+x@gmail.com", email_key="ann@gmail.com", status="confirmed"
    )

    by_domain = preview(moderator_client, kind="domain", value="@Spam.Example.")
    by_email = preview(moderator_client, kind="email", value="ann+other@googlemail.com")

    assert by_domain.context["match_count"] == 2
    assert by_email.context["match_count"] == 1


# Undoing.


@pytest.fixture
def swept(moderator_client, burst):
    made = burst()
    apply(
        moderator_client,
        preview(moderator_client, kind="network", value="203.0.113.0/24"),
        decision="spam",
    )
    return made


def undo_page(batch) -> str:
    return f"{BULK}{batch.pk}/undo/"


def test_undo_restores_each_to_its_previous_status(moderator_client, swept, moderator):
    batch = ModerationBatch.objects.get()
    page = moderator_client.get(undo_page(batch))
    parse_strict(page.content)

    response = submit(
        moderator_client,
        undo_page(batch),
        {"items": [item.pk for item in batch.items.all()]},
    )

    assert response.status_code == 302
    assert sorted(statuses(swept)) == ["confirmed"] * 2 + ["unconfirmed"] * 10
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ENDORSEMENT_UNDO).count() == 12
    restored = Endorsement.objects.get(pk=swept[0].pk)
    assert restored.moderated_by is None
    assert restored.moderated_at is None


def test_undoing_one_wrong_removal_leaves_the_rest(moderator_client, swept):
    batch = ModerationBatch.objects.get()
    wrong = batch.items.get(endorsement=swept[0])

    submit(moderator_client, undo_page(batch), {"items": [wrong.pk]})

    assert statuses(swept)[0] == "confirmed"
    assert set(statuses(swept[1:])) == {"spam"}
    again = moderator_client.get(undo_page(batch)).content.decode()
    assert f'value="{wrong.pk}"' not in again
    assert "back to" in again


def test_undo_refuses_what_changed_since_and_says_which(moderator_client, swept, moderator):
    batch = ModerationBatch.objects.get()
    changed = Endorsement.objects.get(pk=swept[1].pk)
    changed.moderated_at = NOW()  # decided again since (by hand, as nothing else can)
    changed.save(update_fields=["moderated_at"])

    response = submit(
        moderator_client, undo_page(batch), {"items": [item.pk for item in batch.items.all()]}
    )

    assert statuses([changed]) == ["spam"]
    said = notices(moderator_client.get(response["Location"]))
    assert any(
        changed.organisation_name in notice and "decided it after" in notice for notice in said
    )
    assert "11 endorsements are back as they were." in said


def test_undo_refuses_an_endorsement_whose_organisation_has_endorsed_again(
    moderator_client, swept, make_endorsement
):
    batch = ModerationBatch.objects.get()
    first = Endorsement.objects.get(pk=swept[0].pk)
    make_endorsement(name=first.organisation_name, country=first.country.code, status="unconfirmed")

    response = submit(
        moderator_client, undo_page(batch), {"items": [batch.items.get(endorsement=first).pk]}
    )

    assert statuses([first]) == ["spam"]
    said = notices(moderator_client.get(response["Location"]))
    assert any("has endorsed again" in notice for notice in said)


def test_undoing_twice_restores_once(moderator_client, swept):
    batch = ModerationBatch.objects.get()
    items = {"items": [item.pk for item in batch.items.all()]}

    submit(moderator_client, undo_page(batch), items)
    submit(moderator_client, undo_page(batch), items)

    assert AuditEntry.objects.filter(action=AuditEntry.Action.ENDORSEMENT_UNDO).count() == 12


def test_undo_needs_a_selection_and_handles_garbage(moderator_client, swept):
    batch = ModerationBatch.objects.get()

    nothing = submit(moderator_client, undo_page(batch), {})
    garbage = submit(moderator_client, undo_page(batch), {"items": ["1; DROP", "٣"]})

    assert nothing.status_code == 400
    assert garbage.status_code == 400
    assert "Select at least one endorsement to restore." in nothing.content.decode()
    assert moderator_client.get(f"{BULK}99999999/undo/").status_code == 404
    assert moderator_client.get(f"{BULK}{'9' * 40}/undo/").status_code == 404


@pytest.mark.browser
def test_a_moderator_removes_a_burst_from_one_network_and_undoes_one_wrong_removal(
    live_server, transactional_db, page, staff, sign_in_browser, burst
):
    burst()
    moderator = staff("mo", "Moderator")
    sign_in_browser(page.context, moderator)
    from playwright.sync_api import expect

    page.goto(live_server.url + "/moderation/")
    page.get_by_role("link", name="Where submissions come from").first.click()
    spike = page.locator("#by-network ~ div tr.spike")
    expect(spike).to_contain_text("203.0.113.0/24")
    expect(spike).to_contain_text("Spike")
    spike.get_by_role("link", name=re.compile("Preview a bulk action")).click()
    expect(page.get_by_role("heading", level=2, name="12 endorsements match")).to_be_visible()
    page.get_by_label("Mark as spam").check()
    page.get_by_role("button", name="Apply to these endorsements").click()
    expect(page.get_by_role("status")).to_contain_text("12 endorsements decided.")

    # One of them was a real organisation on the same network: restore it alone.
    page.get_by_role("button", name="Undo for the selected").scroll_into_view_if_needed()
    for box in page.locator("input[name=items]").all():
        box.uncheck()
    page.get_by_role("checkbox", name="Burst 203.0.113.0/24 0").check()
    page.get_by_role("button", name="Undo for the selected").click()

    expect(page.get_by_role("status")).to_contain_text("1 endorsement is back as it was.")
    assert Endorsement.objects.get(organisation_name="Burst 203.0.113.0/24 0").status == "confirmed"
    assert Endorsement.objects.filter(status="spam").count() == 11

"""What the security review of the fraud tools found: a preview applied twice, dates that
overflowed the calendar, logos that outlived a cancellation, a sweep or a rejection, and a
confirmation that could overwrite a cancellation or a sweep."""

# ruff: noqa: F811 (the fixtures of test_fraud_tools, imported, are arguments here)
import re
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from endorsements.logos import SWEPT_LOGO_KEPT, process_logo, reject_logo, store_logo
from endorsements.models import Endorsement, Logo, ModerationBatch
from endorsements.moderation.services import (
    PreviewAlreadyApplied,
    cancel_submission,
    sweep_endorsements,
)
from endorsements.services import confirm_endorsement, moderate_endorsements
from tests.endorsements.logo_images import image_bytes, logo_files, upload
from tests.html import csrf_token, submit

from .test_fraud_tools import (  # noqa: F401 (fixtures)
    ACTIVITY,
    BULK,
    apply,
    burst,
    moderator_client,
    notices,
    preview,
    statuses,
)

NOW = timezone.now


def purge():
    call_command("purge_unconfirmed_endorsements", stdout=StringIO())


def undo_one(client, endorsement):
    batch = ModerationBatch.objects.get()
    item = batch.items.get(endorsement=endorsement)
    return submit(client, f"{BULK}{batch.pk}/undo/", {"items": [item.pk]})


# 1. A preview is applied once.


def test_posting_a_confirmation_again_after_an_undo_sweeps_nothing_and_names_the_batch(
    moderator_client, burst
):
    swept = burst(count=2)
    previewed = preview(moderator_client, kind="network", value="203.0.113.0/24")
    apply(moderator_client, previewed, decision="spam")
    undo_one(moderator_client, swept[0])

    again = apply(moderator_client, previewed, decision="spam")

    batch = ModerationBatch.objects.get()
    assert again.status_code == 302
    assert again["Location"] == f"{BULK}{batch.pk}/undo/"
    assert statuses(swept) == ["confirmed", "spam"]
    assert "This bulk action was applied already" in " ".join(
        notices(moderator_client.get(again["Location"]))
    )


def test_a_double_click_makes_one_batch(moderator_client, burst):
    burst(count=3)
    previewed = preview(moderator_client, kind="network", value="203.0.113.0/24")

    apply(moderator_client, previewed, decision="rejected", code="spam-like")
    apply(moderator_client, previewed, decision="spam")

    assert ModerationBatch.objects.count() == 1
    assert set(
        Endorsement.objects.filter(submitted_from="203.0.113.0/24").values_list("status", flat=True)
    ) == {"rejected"}


def test_what_an_undo_restored_after_a_preview_is_left_out_of_it(moderator_client, burst):
    swept = burst(count=2)
    by_network = preview(moderator_client, kind="network", value="203.0.113.0/24")
    by_domain = preview(moderator_client, kind="domain", value="spam.example")
    apply(moderator_client, by_network, decision="spam")
    undo_one(moderator_client, swept[0])

    apply(moderator_client, by_domain, decision="spam")

    assert statuses(swept) == ["confirmed", "spam"]
    assert ModerationBatch.objects.order_by("pk").last().items.count() == 0


def test_the_service_refuses_a_preview_key_used_already(burst, moderator):
    swept = burst(count=1)
    arguments = {
        "decision": "spam",
        "moderator": moderator,
        "pattern_kind": "network",
        "pattern": "203.0.113.0/24",
        "window": (NOW() - timedelta(hours=1), NOW()),
        "preview_key": "k" * 32,
        "previewed_at": NOW(),
    }
    first = sweep_endorsements(endorsement_ids=[swept[0].pk], **arguments)

    with pytest.raises(PreviewAlreadyApplied) as used:
        sweep_endorsements(endorsement_ids=[swept[0].pk], **arguments)

    assert used.value.batch == first
    assert ModerationBatch.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_preview_posted_twice_at_once_makes_one_batch(burst, moderator):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: no race to lose")
    swept = burst(count=2)
    start = threading.Barrier(2)
    outcomes = []

    def post():
        try:
            start.wait()
            batch = sweep_endorsements(
                endorsement_ids=[e.pk for e in swept],
                decision="spam",
                moderator=moderator,
                pattern_kind="network",
                pattern="203.0.113.0/24",
                window=(NOW() - timedelta(hours=3), NOW()),
                preview_key="same" * 8,
                previewed_at=NOW(),
            )
            outcomes.append(("applied", batch.pk))
        except PreviewAlreadyApplied as used:
            outcomes.append(("already", used.batch.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(kind for kind, _pk in outcomes) == ["already", "applied"]
    assert len({pk for _kind, pk in outcomes}) == 1
    assert ModerationBatch.objects.get().items.count() == 2


# 2. Hostile dates: a message, never a 500.

HOSTILE_WINDOWS = [
    ({"end": "0001-01-01T00:00"}, "from 2000-01-01 until tomorrow"),
    ({"start": "0001-01-01T00:00", "end": "0001-01-01T01:00"}, "from 2000-01-01 until tomorrow"),
    ({"start": "9999-12-31T00:00", "end": "9999-12-31T23:59"}, "from 2000-01-01 until tomorrow"),
    ({"end": "9999-12-31T23:59"}, "from 2000-01-01 until tomorrow"),
    ({"start": "1999-12-31T23:00"}, "from 2000-01-01 until tomorrow"),
    ({"start": "2026-12-01T00:00\x00"}, "Enter a date and time"),
    ({"end": "2026-12-01T00:00\u202e"}, "Enter a date and time"),
    ({"end": "\u0662\u0660\u0662\u0666-\u0661\u0662-\u0660\u0665T\u0661\u0660:\u0660\u0660x"}, ""),
    ({"end": "9" * 20_000}, "Enter a date and time"),
    ({"start": "99999-01-01T00:00"}, "Enter a date and time"),
    ({"start": "2026-13-45T25:61"}, "Enter a date and time"),
]


@pytest.mark.parametrize(("window", "message"), HOSTILE_WINDOWS)
def test_a_hostile_window_is_explained_on_the_activity_page(moderator_client, window, message):
    response = moderator_client.get(ACTIVITY, window)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "\x00" not in response.content.decode()


@pytest.mark.parametrize(("window", "message"), HOSTILE_WINDOWS)
def test_a_hostile_window_is_explained_on_the_bulk_page(moderator_client, window, message):
    response = moderator_client.get(BULK, {"kind": "name", "value": "a", **window})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "decision_form" not in response.context or not response.context["decision_form"]


def test_arabic_indic_digits_in_range_read_as_the_date_or_are_explained(moderator_client):
    # Django reads Unicode digits as digits: a window typed with them is a real window.
    end = NOW().strftime("%Y-%m-%dT%H:%M").translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))

    response = moderator_client.get(ACTIVITY, {"end": end})

    assert response.status_code in {200, 400}


def test_a_window_until_tomorrow_is_accepted(moderator_client):
    end = (NOW() + timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M")

    assert moderator_client.get(ACTIVITY, {"end": end}).status_code == 200


# 3. Logos follow the endorsement they came with.


@pytest.fixture
def with_logo():
    def attach(endorsement) -> Logo:
        return store_logo(endorsement=endorsement, processed=process_logo(upload(image_bytes())))

    return attach


def test_cancelling_erases_the_impostors_logo(
    make_endorsement, with_logo, settings, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement(status="unconfirmed")
    with_logo(endorsement)
    assert logo_files(settings)

    with django_capture_on_commit_callbacks(execute=True):
        assert cancel_submission(endorsement=endorsement)

    assert not Logo.objects.filter(endorsement=endorsement).exists()
    assert logo_files(settings) == []


def test_a_sweep_rejects_the_logos_and_an_undo_brings_them_back_with_their_files(
    moderator_client, burst, with_logo, settings
):
    swept = burst(count=2)
    logos = [with_logo(endorsement) for endorsement in swept]
    apply(
        moderator_client,
        preview(moderator_client, kind="network", value="203.0.113.0/24"),
        decision="spam",
    )
    assert {Logo.objects.get(pk=logo.pk).status for logo in logos} == {"rejected"}

    undo_one(moderator_client, swept[0])

    assert [Logo.objects.get(pk=logo.pk).status for logo in logos] == ["pending", "rejected"]
    assert len(logo_files(settings)) == 4  # kept until the undo window is over


def test_the_daily_purge_deletes_swept_logos_files_after_the_undo_window(
    moderator_client, burst, with_logo, settings, django_capture_on_commit_callbacks
):
    swept = burst(count=2)
    logos = [with_logo(endorsement) for endorsement in swept]
    apply(
        moderator_client,
        preview(moderator_client, kind="network", value="203.0.113.0/24"),
        decision="spam",
    )
    with django_capture_on_commit_callbacks(execute=True):
        purge()
    assert len(logo_files(settings)) == 4  # still within the undo window
    Logo.objects.filter(pk=logos[1].pk).update(moderated_at=NOW() - SWEPT_LOGO_KEPT - timedelta(1))
    Endorsement.objects.filter(pk=swept[1].pk).update(
        moderated_at=NOW() - SWEPT_LOGO_KEPT - timedelta(1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        purge()

    assert len(logo_files(settings)) == 2
    late = Logo.objects.get(pk=logos[1].pk)
    assert (late.status, late.small.name, late.large.name) == ("rejected", "", "")


def test_an_undo_after_the_files_are_gone_restores_the_endorsement_without_its_logo(
    moderator_client, burst, with_logo, django_capture_on_commit_callbacks
):
    swept = burst(count=1)
    logo = with_logo(swept[0])
    apply(
        moderator_client,
        preview(moderator_client, kind="network", value="203.0.113.0/24"),
        decision="spam",
    )
    Logo.objects.filter(pk=logo.pk).update(moderated_at=NOW() - SWEPT_LOGO_KEPT - timedelta(1))
    with django_capture_on_commit_callbacks(execute=True):
        purge()
    Logo.objects.filter(pk=logo.pk).update(moderated_at=ModerationBatch.objects.get().created_at)

    undo_one(moderator_client, swept[0])

    assert statuses(swept) == ["confirmed"]
    assert Logo.objects.get(pk=logo.pk).status == "rejected"


@pytest.mark.parametrize("decision", ["reject", "spam"])
def test_a_rejection_in_the_queue_deletes_the_logo_files_once_committed(
    make_endorsement, with_logo, moderator, settings, django_capture_on_commit_callbacks, decision
):
    endorsement = make_endorsement(status="confirmed")
    logo = with_logo(endorsement)

    with django_capture_on_commit_callbacks(execute=True):
        moderate_endorsements(
            endorsements=Endorsement.objects.filter(pk=endorsement.pk),
            decision=decision,
            moderator=moderator,
            code="spam-like",
        )

    assert logo_files(settings) == []
    assert Logo.objects.get(pk=logo.pk).status == "rejected"


def test_a_rolled_back_rejection_keeps_the_logo_files(
    make_endorsement, with_logo, moderator, settings, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement(status="confirmed")
    with_logo(endorsement)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moderate_endorsements(
            endorsements=Endorsement.objects.filter(pk=endorsement.pk),
            decision="spam",
            moderator=moderator,
        )

    assert callbacks  # the files go only when the decision commits
    assert len(logo_files(settings)) == 2


def test_declining_a_changed_logo_deletes_its_files(
    make_endorsement, with_logo, moderator, settings, django_capture_on_commit_callbacks
):
    logo = with_logo(make_endorsement(status="approved"))

    with django_capture_on_commit_callbacks(execute=True):
        reject_logo(logo=logo, moderator=moderator)

    assert logo_files(settings) == []


# 4. Confirming locks the row.


def confirmation_link() -> str:
    return re.search(r"https://declaration.test(/\S+/confirm/\S+/)", mail.outbox[-1].body).group(1)


@pytest.mark.parametrize("meanwhile", ["cancelled", "spam", "rejected"])
def test_a_confirmation_racing_a_cancel_or_a_sweep_leaves_it_as_decided(
    client, endorse, form_data, monkeypatch, meanwhile
):
    endorse(form_data())
    link = confirmation_link()
    token = csrf_token(client.get(link))
    real_first = QuerySet.first
    raced = []

    def read_then_decided_elsewhere(queryset):
        found = real_first(queryset)
        if queryset.model is Endorsement and found is not None and not raced:
            # Another request commits its decision just after this one read the row.
            raced.append(found.pk)
            Endorsement.objects.filter(pk=found.pk).update(status=meanwhile)
        return found

    monkeypatch.setattr(QuerySet, "first", read_then_decided_elsewhere)

    response = client.post(link, {"csrfmiddlewaretoken": token})

    assert raced
    assert Endorsement.objects.get().status == meanwhile
    assert response.status_code == 409


def test_the_service_confirms_only_an_unconfirmed_endorsement(make_endorsement):
    stale = make_endorsement(status="unconfirmed")
    Endorsement.objects.filter(pk=stale.pk).update(status="spam")
    fresh = make_endorsement(status="unconfirmed")

    assert confirm_endorsement(endorsement=stale) is None
    assert confirm_endorsement(endorsement=fresh).status == "confirmed"
    assert statuses([stale, fresh]) == ["spam", "confirmed"]

"""An editorial correction is a new version whose endorsers are those of the version it
corrects: nobody is asked to reconfirm, and the counts do not split between the two. A new
version after it asks everyone again, as any new version does."""

import json

import pytest
from django.contrib.auth.models import User
from django.core import mail

from endorsements.models import Endorsement
from principles.drafting import review
from principles.drafting.services import save_item_text, start_draft
from principles.models import Declaration, Revision
from principles.pdf.signatories import signatories_of


@pytest.fixture
def people(db):
    return [User.objects.create_user(name) for name in ("editor", "reviewer", "publisher")]


@pytest.fixture
def publish_title(people, django_capture_on_commit_callbacks):
    """`publish_title("New title", correction=True)`: a reviewed draft changing only the
    title, published; what follows the commit (emails, PDFs) runs at once, as the worker
    would run it."""
    editor, reviewer, publisher = people

    def publish_draft(title: str, **options):
        draft = start_draft(declaration=Declaration.objects.get(), by=editor)
        save_item_text(
            item=draft,
            by=editor,
            values={"title": title, "preamble": draft.source_text.preamble},
            base_revision=review.latest_revision_id(of=draft, item_key=Revision.VERSION_TEXT_KEY),
        )
        review.submit(reviewed=draft, by=editor)
        review.approve(reviewed=draft, by=reviewer)
        with django_capture_on_commit_callbacks(execute=True):
            return review.publish(reviewed=draft, by=publisher, **options)

    return publish_draft


def test_a_correction_sends_no_reconfirmation_and_keeps_the_count(
    make_endorsement, publish_title, client
):
    first = make_endorsement(name="First Org")
    make_endorsement(name="Second Org")

    corrected = publish_title("Test Declaration, typo fixed", correction=True, change_note="Typo.")

    assert mail.outbox == []
    public = Endorsement.objects.public()
    assert public.totals(corrected)["for_version"] == 2
    assert public.totals_by_version(corrected)["for_version"] == 2
    assert public.not_yet_endorsing(corrected).count() == 0
    count = json.loads(client.get("/endorsers/count.json").content)
    assert (count["current_version"], count["endorsers_of_current_version"]) == (2, 2)
    # The corrected version's PDF lists them as its own endorsers, not as earlier ones.
    assert [s.earlier_version for s in signatories_of(corrected).signatories] == [None, None]

    # The next new version asks every endorser to reconfirm, whichever they endorsed.
    third = publish_title("Test Declaration, version 3")

    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [first.contact_email, Endorsement.objects.get(organisation_name="Second Org").contact_email]
    )
    assert public.totals_by_version(third)["for_version"] == 0


def test_a_new_version_still_asks_endorsers_to_reconfirm(make_endorsement, publish_title):
    endorsement = make_endorsement(name="Loyal Org")

    second = publish_title("Test Declaration, revised")

    assert [message.to for message in mail.outbox] == [[endorsement.contact_email]]
    assert Endorsement.objects.public().totals_by_version(second)["for_version"] == 0

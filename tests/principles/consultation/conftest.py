"""Fixtures for consultations: a draft open for comment, people in the roles around it, and
contributions in any state, built directly (each test posts through the pages it tests)."""

from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def moderator(make_user):
    return make_user("mona", "Moderator")


@pytest.fixture
def changed_draft(draft, editor):
    """`draft` with its first principle's second action line reworded, so that the consulted
    text differs from version 1."""
    from principles.drafting.services import save_item_text

    line = draft.principles.get(position=1).action_lines.get(position=2)
    save_item_text(
        item=line,
        by=editor,
        values={"text": "Action line 1.2 text, made stronger."},
        base_revision=draft.revisions.order_by("-pk").first().pk,
    )
    return draft


@pytest.fixture
def make_consultation(publisher):
    """`make_consultation(draft, audience="invited", open=True, languages=["en", "fr"])`."""
    from principles.models import Consultation

    def make(draft, *, open=True, slug="draft-2-consultation", **fields):
        now = timezone.now()
        values = {
            "title": "Consultation on the second version",
            "opens_at": now - timedelta(hours=1),
            "closes_at": now + timedelta(days=30),
            "languages": ["en", "fr", "ar"],
            **fields,
        }
        consultation = Consultation.objects.create(
            draft=draft, slug=slug, created_by=publisher, **values
        )
        if open:
            consultation.open()
        return consultation

    return make


@pytest.fixture
def consultation(make_consultation, changed_draft):
    """A public consultation, open now, on a draft that changes one action line."""
    return make_consultation(changed_draft)


@pytest.fixture
def contribute():
    """`contribute(consultation, item_key="", kind="comment", status="approved", **fields)`:
    a contribution as if sent through the form, in the given state."""
    from principles.models import Contribution

    def make(consultation, *, status=Contribution.Status.APPROVED, **fields):
        now = timezone.now()
        values = {
            "body": "We would add public libraries to this line.",
            "name": "Amina Diallo",
            "organisation_name": "Schools Online Network",
            "organisation_type": "ngo",
            "country": "SN",
            "email": "amina@schools-online.example",
            "language": "en",
            **fields,
        }
        if values.get("kind") in Contribution.AMENDMENT_KINDS:
            values.setdefault("proposed_text", "Connect every school and public library.")
        reached = {
            Contribution.Status.UNCONFIRMED: {},
            Contribution.Status.CONFIRMED: {"confirmed_at": now},
            Contribution.Status.APPROVED: {"confirmed_at": now, "approved_at": now},
            Contribution.Status.REJECTED: {"confirmed_at": now},
            Contribution.Status.SPAM: {"confirmed_at": now},
        }[status]
        return Contribution.objects.create(
            consultation=consultation, status=status, **reached, **values
        )

    return make

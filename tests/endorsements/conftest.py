"""Fixtures for the endorsement tests. Django models are imported inside the fixtures: pytest
loads this file before Django is set up."""

import pytest

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def endorsement_settings(settings):
    """Emails are sent as soon as the transaction commits (the worker has its own tests), and
    every test starts with an empty rate-limit count."""
    from django.core.cache import cache

    settings.TASKS = IMMEDIATE_TASKS
    settings.SITE_URL = "https://declaration.test"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def version(publish):
    return publish(principles=3, action_lines=2)


@pytest.fixture
def form_data(version):
    def data(**overrides):
        lines = [line.pk for p in version.principles.all() for line in p.action_lines.all()]
        return {
            "version": str(version.number),
            "organisation_name": "Open Schools Network",
            "organisation_type": "ngo",
            "country": "KE",
            "website": "https://openschools.example.org",
            "contact_name": "Amina Odhiambo",
            "contact_role": "Director",
            "contact_email": "amina@openschools.example.org",
            "statement": "We will connect 200 rural schools by 2027.",
            "action_lines": [str(lines[0]), str(lines[3])],
            "attestation": "on",
            "consent": "on",
            "nickname": "",
            **overrides,
        }

    return data


@pytest.fixture
def endorse(client, django_capture_on_commit_callbacks):
    """Load the endorsement form and post it with the page's token, as a visitor does; emails
    go out when the request commits."""
    from tests.html import submit

    def post(data):
        with django_capture_on_commit_callbacks(execute=True):
            return submit(client, "/endorse/", data)

    return post


@pytest.fixture
def make_endorsement(version):
    """An endorsement straight into the database: `make_endorsement(status="approved")`."""
    from django.utils import timezone

    from endorsements.models import Endorsement

    counter = iter(range(1, 1_000_000))

    def make(name=None, country="FR", status="approved", **fields):
        endorsement = Endorsement(
            organisation_type=fields.pop("organisation_type", "ngo"),
            contact_name="Contact person",
            contact_role="Director",
            contact_email=fields.pop("contact_email", f"contact{next(counter)}@example.org"),
            version=version,
            content_hash=version.content_hash,
            status=status,
            confirmed_at=timezone.now(),
            approved_at=timezone.now() if status == "approved" else None,
            **fields,
        )
        endorsement.set_organisation(name=name or f"Organisation {next(counter)}", country=country)
        endorsement.save()
        return endorsement

    return make

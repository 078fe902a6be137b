"""A change of signatories refreshes the PDF through the database task queue, one task per
language, so that several workers render the languages side by side; a burst of approvals
renders each language once."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from endorsements.models import Endorsement
from endorsements.services import moderate_endorsements, revoke_approval
from principles.drafting.services import create_draft_from_text, publish_loaded_draft
from principles.models import DeclarationPdf
from principles.pdf.render import pdf_to_serve, render_declaration_pdf
from principles.pdf.tasks import BUSY_RETRY_SECONDS, RUNNING_GRACE_SECONDS
from tests.conftest import declaration_text
from tests.principles.conftest import TRANSLATIONS, add_translation
from tests.principles.pdf.pdf_reading import shows, text_lines

pytestmark = pytest.mark.django_db(transaction=True)
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
LANGUAGES = ["ar", "en", "fr"]


@pytest.fixture
def version(pdf_settings, declaration):
    """The current version, in English, French and Arabic."""
    draft = create_draft_from_text(
        declaration=declaration, text=declaration_text(principles=3, action_lines=2)
    )
    for language in ("fr", "ar"):
        add_translation(draft, language, TRANSLATIONS[language])
    return publish_loaded_draft(draft=draft)


@pytest.fixture
def translated(version, pdf_settings):
    """The version with its PDF stored in each language, and the database queue, as in
    production."""
    for language in LANGUAGES:
        render_declaration_pdf(version_id=version.pk, language=language)
    pdf_settings.TASKS = DATABASE_TASKS
    return version


def refreshes():
    return DBTaskResult.objects.filter(task_path="principles.pdf.tasks.refresh_declaration_pdf")


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())


@pytest.fixture
def approve(moderator):
    """`approve(*endorsements)`: a moderator approves them in one go."""

    def approve_all(*endorsements):
        moderate_endorsements(
            endorsements=Endorsement.objects.filter(pk__in=[e.pk for e in endorsements]),
            decision="approve",
            moderator=moderator,
        )

    return approve_all


def outcomes() -> Counter:
    """How many refreshes of each language ended how ("rendered", "skipped"…)."""
    return Counter(
        (task.args_kwargs["kwargs"]["language"], task.return_value.split(":")[0])
        for task in refreshes().filter(status="SUCCESSFUL")
    )


def names_served(version, language) -> list[str]:
    with pdf_to_serve(version=version, language=language).file.open("rb") as stored:
        return text_lines(stored.read())


def test_an_approval_queues_one_refresh_per_language_and_the_worker_renders_each(
    translated, make_endorsement, approve
):
    waiting = make_endorsement("Newly Approved Org", status="confirmed")

    approve(waiting)

    queued = refreshes().filter(status="READY")
    assert sorted(task.args_kwargs["kwargs"]["language"] for task in queued) == LANGUAGES
    assert {task.args_kwargs["kwargs"]["version_id"] for task in queued} == {translated.pk}

    run_worker()

    assert outcomes() == {(language, "rendered"): 1 for language in LANGUAGES}
    for language in LANGUAGES:
        assert shows("Newly Approved Org", names_served(translated, language)), language


def test_approving_several_endorsements_at_once_queues_one_refresh_per_language(
    translated, make_endorsement, approve
):
    approve(*(make_endorsement(f"Batch Org {n}", status="confirmed") for n in range(3)))

    assert refreshes().count() == len(LANGUAGES)


def test_a_burst_of_approvals_renders_each_language_once_with_every_approval(
    translated, make_endorsement, approve
):
    burst = [make_endorsement(f"Burst Org {n}", status="confirmed") for n in range(4)]
    for endorsement in burst:  # four moderators' clicks, each its own transaction
        approve(endorsement)
    assert refreshes().count() == 4 * len(LANGUAGES)

    run_worker()

    assert outcomes() == {
        **{(language, "skipped"): 3 for language in LANGUAGES},
        **{(language, "rendered"): 1 for language in LANGUAGES},
    }
    for language in LANGUAGES:
        # The PDF stored before the burst, and one with the whole burst.
        assert DeclarationPdf.objects.filter(language=language).count() == 2
        names = names_served(translated, language)
        assert all(shows(f"Burst Org {n}", names) for n in range(4)), language


def claimed_by_another_worker(language: str, *, started_at) -> DBTaskResult:
    """The queued refresh of `language`, marked as another worker marks the task it runs."""
    task = refreshes().get(status="READY", args_kwargs__kwargs__language=language)
    task.status, task.started_at, task.worker_ids = "RUNNING", started_at, ["another-worker"]
    task.save()
    return task


def test_a_refresh_waits_while_another_worker_renders_the_same_pdf_then_renders_it(
    translated, make_endorsement, approve
):
    approve(make_endorsement("First Org", status="confirmed"))
    other_worker = claimed_by_another_worker("fr", started_at=timezone.now())
    approve(make_endorsement("Second Org", status="confirmed"))

    run_worker()

    # English and Arabic are rendered; French is left to the other worker for now.
    assert outcomes()[("fr", "deferred")] == 1
    assert not shows("Second Org", names_served(translated, "fr"))
    retry = refreshes().get(status="READY")
    assert retry.args_kwargs["kwargs"]["language"] == "fr"
    assert retry.run_after >= timezone.now() + timedelta(seconds=BUSY_RETRY_SECONDS - 2)

    other_worker.status = "FAILED"  # say its render failed: the retry must not rely on it
    other_worker.save()
    refreshes().filter(pk=retry.pk).update(run_after=timezone.now())  # time has passed
    run_worker()

    assert outcomes()[("fr", "rendered")] == 1
    names = names_served(translated, "fr")
    assert shows("First Org", names)
    assert shows("Second Org", names)


def test_a_refresh_left_running_by_a_worker_that_died_holds_nothing_up(
    translated, make_endorsement, approve, settings
):
    approve(make_endorsement("First Org", status="confirmed"))
    died = timezone.now() - timedelta(
        seconds=settings.PDF_RENDER_TIMEOUT_SECONDS + RUNNING_GRACE_SECONDS + 1
    )
    claimed_by_another_worker("fr", started_at=died)
    approve(make_endorsement("Second Org", status="confirmed"))

    run_worker()

    assert outcomes()[("fr", "rendered")] == 1
    assert shows("Second Org", names_served(translated, "fr"))


def test_a_revoked_approval_leaves_the_pdf_in_every_language(
    translated, make_endorsement, approve, moderator
):
    spam = make_endorsement("Cheap Pills Online", status="confirmed")
    approve(spam)
    run_worker()
    assert shows("Cheap Pills Online", names_served(translated, "en"))

    revoke_approval(endorsement=spam, moderator=moderator, reason="Advertising.")
    run_worker()

    for language in LANGUAGES:
        assert not shows("Cheap Pills Online", names_served(translated, language)), language

"""The signed PDF carries exactly the approved endorsers of its version, and is rendered again
in the background when they change."""

import pytest

from endorsements.management.commands.seed_demo_data import demo_endorsement
from endorsements.models import Endorsement
from endorsements.services import (
    moderate_endorsements,
    reconfirm_endorsement,
    withdraw_endorsement,
)
from principles.models import DeclarationPdf
from principles.pdf.render import render_declaration_pdf, store_declaration_pdf
from principles.pdf.signatories import signatories_of
from tests.principles.pdf.pdf_reading import shows, text_lines


def names_in(pdf: DeclarationPdf) -> list[str]:
    with pdf.file.open("rb") as stored:
        return text_lines(stored.read())


def test_the_pdf_lists_the_approved_endorsers_of_its_version_and_nobody_else(
    version, make_endorsement, pdf_settings
):
    make_endorsement("Escuelas Conectadas", country="PE")
    make_endorsement("جمعية التعليم للجميع", country="EG")
    make_endorsement("连接学校基金会", country="CN")
    make_endorsement("Awaiting Moderation Org", status="confirmed")
    make_endorsement("Unconfirmed Org", status="unconfirmed")
    make_endorsement("Rejected Org", status="rejected")
    make_endorsement("Withdrawn Org", status="withdrawn")

    pdf = render_declaration_pdf(version_id=version.pk)
    lines = names_in(pdf)

    assert pdf.signatory_count == 3
    for name in ("Escuelas Conectadas", "جمعية التعليم للجميع", "连接学校基金会"):
        assert shows(name, lines), name
    for name in ("Awaiting Moderation Org", "Unconfirmed Org", "Rejected Org", "Withdrawn Org"):
        assert not shows(name, lines), name


def test_the_new_version_lists_every_endorser_and_marks_who_has_not_reconfirmed(
    version, publish, make_endorsement
):
    earlier = make_endorsement("Reconfirming Org")
    make_endorsement("Only Version One Org")
    newer = publish(principles=3, action_lines=2)

    reconfirm_endorsement(endorsement=earlier, version=newer)

    listed = {(s.name, s.earlier_version) for s in signatories_of(newer).signatories}
    assert listed == {("Reconfirming Org", None), ("Only Version One Org", 1)}
    assert {(s.name, s.earlier_version) for s in signatories_of(version).signatories} == {
        ("Reconfirming Org", None),
        ("Only Version One Org", None),
    }


def test_approving_an_endorser_renders_a_fresh_pdf_in_the_background(
    version, make_endorsement, moderator, pdf_settings, client, django_capture_on_commit_callbacks
):
    make_endorsement("First Signatory")
    waiting = make_endorsement("Newly Approved Org", status="confirmed")
    first = render_declaration_pdf(version_id=version.pk)

    with django_capture_on_commit_callbacks(execute=True):
        moderate_endorsements(
            endorsements=type(waiting).objects.filter(pk=waiting.pk),
            decision="approve",
            moderator=moderator,
        )

    newest = DeclarationPdf.objects.filter(version=version).latest("rendered_at")
    assert newest.pk != first.pk
    assert newest.signatory_count == 2
    assert shows("Newly Approved Org", names_in(newest))
    downloaded = b"".join(client.get("/declaration.pdf").streaming_content)
    assert shows("Newly Approved Org", text_lines(downloaded))


def test_a_withdrawn_endorser_leaves_the_pdf(
    version, make_endorsement, pdf_settings, django_capture_on_commit_callbacks
):
    leaving = make_endorsement("Leaving Org")
    make_endorsement("Staying Org")
    render_declaration_pdf(version_id=version.pk)

    with django_capture_on_commit_callbacks(execute=True):
        withdraw_endorsement(endorsement=leaving)

    newest = DeclarationPdf.objects.filter(version=version).latest("rendered_at")
    lines = names_in(newest)
    assert newest.signatory_count == 1
    assert not shows("Leaving Org", lines)
    assert shows("Staying Org", lines)


def test_nothing_is_rendered_for_a_version_whose_pdf_nobody_asked_for(
    version, make_endorsement, moderator, django_capture_on_commit_callbacks
):
    waiting = make_endorsement("Quiet Org", status="confirmed")

    with django_capture_on_commit_callbacks(execute=True):
        moderate_endorsements(
            endorsements=type(waiting).objects.filter(pk=waiting.pk),
            decision="approve",
            moderator=moderator,
        )

    assert not DeclarationPdf.objects.exists()


def test_publishing_a_version_renders_its_pdf_in_the_background(
    declaration, pdf_settings, django_capture_on_commit_callbacks
):
    from principles.drafting.services import create_draft_from_text, publish_loaded_draft
    from tests.conftest import declaration_text

    draft = create_draft_from_text(declaration=declaration, text=declaration_text())
    with django_capture_on_commit_callbacks(execute=True):
        version = publish_loaded_draft(draft=draft)

    assert DeclarationPdf.objects.filter(version=version).count() == 1


@pytest.mark.parametrize("approved", [10, 10_000])
def test_a_pdf_download_runs_the_same_queries_however_many_organisations_endorsed(
    approved, version, pdf_settings, client, page_queries
):
    render_declaration_pdf(version_id=version.pk)
    Endorsement.objects.bulk_create(demo_endorsement(n, version) for n in range(approved))

    # The version and the PDF of the latest snapshot: no signatory is read.
    with page_queries(2):
        response = client.get("/declaration.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def downloaded_names(client) -> list[str]:
    return text_lines(b"".join(client.get("/declaration.pdf").streaming_content))


def test_when_the_signatories_are_back_to_an_earlier_list_its_pdf_is_served_again(
    version, make_endorsement, moderator, pdf_settings, client, django_capture_on_commit_callbacks
):
    make_endorsement("First Signatory")
    waiting = make_endorsement("Briefly Approved Org", status="confirmed")
    first = render_declaration_pdf(version_id=version.pk)
    with django_capture_on_commit_callbacks(execute=True):
        moderate_endorsements(
            endorsements=Endorsement.objects.filter(pk=waiting.pk),
            decision="approve",
            moderator=moderator,
        )
    assert shows("Briefly Approved Org", downloaded_names(client))

    with django_capture_on_commit_callbacks(execute=True):
        withdraw_endorsement(endorsement=waiting)

    assert DeclarationPdf.objects.count() == 2  # the first PDF was not rendered again
    assert DeclarationPdf.objects.latest().pk == first.pk
    assert not shows("Briefly Approved Org", downloaded_names(client))


def test_of_two_renders_that_finish_out_of_order_the_later_snapshot_is_served(
    version, make_endorsement, pdf_settings, client
):
    make_endorsement("First Signatory")
    earlier = signatories_of(version)
    make_endorsement("Second Signatory")
    later = signatories_of(version)

    store_declaration_pdf(version=version, snapshot=later)
    store_declaration_pdf(version=version, snapshot=earlier)

    assert shows("Second Signatory", downloaded_names(client))

"""The W3C Nu HTML checker (npm vnu-jar, run with Debian's Java) finds no error on any public
page, in English and in Arabic. Every page is rendered with the test client on a seeded site
(the shipped declaration in two versions, a consultation, endorsers) and written to a folder;
the checker then reads them all in one run, as starting its JVM takes about two seconds."""

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from tests.html import submit

pytestmark = pytest.mark.xdist_group("nu_html_checker")

VNU = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
LANGUAGES = ["", "/ar"]
# A page the checker must fault, checked in the same run: a checker that silently checks
# nothing (a wrong path, a changed output format) fails the test instead of passing it.
FAULTY_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><title>Faulty</title></head><body>'
    '<time datetime="2026-01-02T03:04:05.123456+00:00">then</time>'
    '<button name="">Search</button></body></html>'
)
# Pages whose addresses name no seeded row: (address, method, form data).
STATIC_PAGES = [
    ("/", "get", None),
    ("/versions/", "get", None),
    ("/versions/1/", "get", None),
    ("/versions/2/", "get", None),
    ("/versions/1/compare/2/", "get", None),
    ("/versions/99/", "get", None),
    ("/verify/", "get", None),
    ("/endorse/", "get", None),
    ("/endorse/", "post", {"organisation_name": "", "website": "not a website"}),
    ("/endorse/check-your-email/", "get", None),
    ("/endorse/privacy/", "get", None),
    ("/endorse/new-link/", "get", None),
    ("/endorse/new-link/", "post", {"email": "nobody@example.org"}),
    ("/endorse/new-link/", "post", {"email": "not an address"}),
    ("/endorse/withdraw/", "get", None),
    ("/endorse/manage/", "get", None),
    ("/endorse/confirm/not-a-token/", "get", None),
    ("/endorsers/", "get", None),
    ("/endorsers/?country=KE", "get", None),
    ("/endorsers/?region=africa&type=ngo", "get", None),
    ("/endorsers/?q=Escuelas", "get", None),
    ("/endorsers/?q=no+such+endorser", "get", None),
    ("/endorsers/?page=2", "get", None),
    ("/endorsers/no-such-endorser/", "get", None),
    ("/consultation/", "get", None),
    ("/consultation/draft-for-comment/", "get", None),
    ("/consultation/draft-for-comment/take-part/", "get", None),
    ("/consultation/draft-for-comment/take-part/", "post", {"body": ""}),
    ("/consultation/draft-for-comment/report/", "get", None),
    ("/consultation/withdraw/new-link/", "get", None),
    ("/consultation/confirm/not-a-token/", "get", None),
    ("/accounts/login/", "get", None),
    ("/accounts/login/", "post", {"username": "nobody", "password": "wrong"}),
    ("/accounts/password_reset/", "get", None),
    ("/accounts/password_reset/done/", "get", None),
    ("/accounts/reset/not-a-user/not-a-token/", "get", None),
    ("/no-such-page/", "get", None),
]


def test_every_public_page_has_no_error_in_the_nu_html_checker(client, site, tmp_path):
    assert VNU.exists(), "vnu-jar is missing: run `make test`, which installs it with npm ci"
    assert shutil.which("java"), "Java is missing: run `make test`, which installs it"
    pages = {}
    for language in LANGUAGES:
        for path, method, data in [*STATIC_PAGES, *site, *links_of_new_submissions(language)]:
            name = write_page(
                tmp_path / f"page-{len(pages):03}.html", client, language + path, method, data
            )
            pages[name] = f"{method.upper()} {language}{path}"
    faulty = tmp_path / "faulty.html"
    faulty.write_text(FAULTY_PAGE, encoding="utf-8")

    errors = nu_html_errors(tmp_path)

    assert len(errors.pop(faulty.name, [])) == 2, "the checker missed the faulty page's errors"
    if errors:
        pytest.fail(
            f"The Nu HTML checker found errors on {len(errors)} page(s):\n"
            + "\n".join(
                f"{pages.get(name, name)} line {line}: {message}"
                for name, found in sorted(errors.items())
                for line, message in found
            ),
            pytrace=False,
        )


def test_a_time_for_machines_is_written_to_the_second_with_its_offset():
    """HTML's `datetime` allows three digits of a second's fraction; `|date:'c'` writes six."""
    from declaration_site.templatetags.times import machine_time

    moment = datetime(2026, 12, 5, 8, 47, 38, 188586, tzinfo=UTC)

    assert machine_time(moment) == "2026-12-05T08:47:38+00:00"
    assert machine_time(None) == ""


@pytest.fixture
def site(db, client, pdf_settings):
    """The shipped declaration as version 1, a version 2 that rewords a line, the seeded
    consultation on a draft, demonstration endorsers, and the pages that need them, as
    (address, method, form data)."""
    call_command("load_declaration", stdout=StringIO())
    publish_a_second_version()
    call_command("seed_consultation", stdout=StringIO())
    call_command("seed_demo_data", endorsers=60, force=True, stdout=StringIO())
    return [*endorser_pages(), *consultation_pages(), *verify_pages(client)]


def publish_a_second_version() -> None:
    from principles.drafting.services import publish_loaded_text
    from principles.management.commands.load_declaration import SHIPPED_TEXT, read_shipped_text
    from principles.models import Declaration

    text = read_shipped_text(SHIPPED_TEXT)
    text["principles"][0]["action_lines"][0] += " Report on it every year."
    publish_loaded_text(declaration=Declaration.objects.get(), text=text)


def endorser_pages() -> list[tuple]:
    """An approved endorser with everything a page shows (an Arabic name, a statement, a
    website, commitments), with the pages of its links."""
    from endorsements.models import Endorsement
    from principles.models import Version

    first, second = Version.objects.published().order_by("number")
    shown = new_endorsement(first, "جمعية التعليم للجميع", "EG", status="approved")
    shown.action_lines.set([p.action_lines.first() for p in first.principles.all()])
    return [
        (f"/endorsers/{shown.public_id}/", "get", None),
        (f"/endorse/withdraw/{shown.link_token('withdraw')}/", "get", None),
        (f"/endorse/manage/{shown.link_token('manage')}/", "get", None),
        (f"/endorse/reconfirm/{shown.link_token('reconfirm', v=second.pk)}/", "get", None),
        (f"/endorsers/?trust={Endorsement.TrustLevel.VERIFIED}", "get", None),
    ]


def links_of_new_submissions(language: str) -> list[tuple]:
    """An endorsement and a contribution waiting for their confirmation: the pages of their
    emailed links, and the pages that confirming them shows (once per language, as
    confirming uses the link up)."""
    from principles.models import Version

    version = Version.objects.current().get()
    waiting = new_endorsement(
        version, f"Escuelas Conectadas {language}", "PE", status="unconfirmed"
    )
    contribution = new_contribution(status="unconfirmed")
    confirm = f"/endorse/confirm/{waiting.link_token('confirm')}/"
    confirm_contribution = f"/consultation/confirm/{contribution.link_token('confirm')}/"
    return [
        (f"/endorse/cancel/{waiting.link_token('cancel')}/", "get", None),
        (confirm, "get", None),
        (confirm, "post", {}),
        (confirm_contribution, "get", None),
        (confirm_contribution, "post", {}),
    ]


def new_endorsement(version, name: str, country: str, *, status: str):
    from endorsements.models import Endorsement

    now = timezone.now()
    endorsement = Endorsement(
        organisation_type="ngo",
        contact_name="Amina Odhiambo",
        contact_role="Director",
        contact_email=f"contact@{country.lower()}.example.org",
        website=f"https://schools.{country.lower()}.example.org",
        statement="We will connect 200 rural schools by 2027.\n\nAnd train their teachers.",
        version=version,
        content_hash=version.content_hash,
        status=status,
        confirmed_at=now if status == "approved" else None,
        approved_at=now if status == "approved" else None,
    )
    endorsement.set_organisation(name=name, country=country)
    endorsement.save()
    return endorsement


def new_contribution(*, status: str):
    from principles.models import Consultation, Contribution

    now = timezone.now()
    return Contribution.objects.create(
        consultation=Consultation.objects.get(),
        status=status,
        confirmed_at=now if status == "approved" else None,
        approved_at=now if status == "approved" else None,
        body="We would add public libraries to this line.",
        name="Amina Diallo",
        organisation_name="Schools Online Network",
        organisation_type="ngo",
        country="SN",
        email="amina@schools-online.example",
        language="en",
    )


def consultation_pages() -> list[tuple]:
    """A public contribution on the seeded consultation and an invitation, with the pages of
    their links."""
    from principles.models import Consultation, Invitation

    consultation = Consultation.objects.get()
    public = new_contribution(status="approved")
    invitation = Invitation.objects.create(
        consultation=consultation,
        organisation_name="مدارس متصلة",
        email="invited@example.org",
        invited_by=consultation.created_by,
        invited_at=timezone.now() - timedelta(days=1),
    )
    return [
        (f"/consultation/withdraw/{public.link_token('withdraw')}/", "get", None),
        (f"/consultation/{consultation.slug}/invited/{invitation.token()}/", "get", None),
    ]


def verify_pages(client) -> list[tuple]:
    """The verdicts of /verify/ on the site's own PDF and on a file that is no PDF, and the
    address its QR code carries."""
    from principles.models import DeclarationPdf

    pdf = b"".join(client.get("/declaration.pdf").streaming_content)
    snapshot = DeclarationPdf.objects.get().snapshot_hash
    return [
        ("/verify/", "post", {"pdf": ("declaration.pdf", pdf)}),
        ("/verify/", "post", {"pdf": ("cat.gif", b"GIF89a")}),
        (f"/verify/?version=1&snapshot={snapshot}", "get", None),
    ]


def write_page(file: Path, client, path: str, method: str, data: dict | None) -> str:
    """Render `path` into `file` (posting `data` with the token its form carried; a pair
    (file name, bytes) is uploaded as a file); the file's name."""
    if method == "post":
        uploads = {
            key: SimpleUploadedFile(*value) if isinstance(value, tuple) else value
            for key, value in data.items()
        }
        response = submit(client, path, uploads)
    else:
        response = client.get(path, follow=True)
    assert response["Content-Type"].startswith("text/html"), f"{path} is not HTML"
    file.write_bytes(response.content)
    return file.name


def nu_html_errors(folder: Path) -> dict[str, list[tuple[int, str]]]:
    """The checker's errors in the files of `folder`, by file name: (line, message)."""
    run = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--errors-only", "--skip-non-html", folder],
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        messages = json.loads(run.stderr)["messages"]
    except ValueError:
        pytest.fail(f"The checker did not answer in JSON:\n{run.stderr[-2000:]}", pytrace=False)
    errors = {}
    for message in messages:
        name = message.get("url", "").rsplit("/", 1)[-1]
        errors.setdefault(name, []).append((message.get("lastLine", 0), message["message"]))
    return errors

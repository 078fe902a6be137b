import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from declaration_site.public_cache import public_content_changed
from endorsements.models import Endorsement
from endorsements.services import open_data_changed
from principles.drafting.services import publish_loaded_text
from principles.models import Declaration

# Names in the three scripts the PDF and the pages must lay out: Latin, Arabic and Chinese.
NAME_PATTERNS = [
    "Connected Schools Network {n}",
    "Escuelas Conectadas {n}",
    "Fondation pour l'Éducation {n}",
    "جمعية التعليم للجميع {n}",
    "مؤسسة المدارس المتصلة {n}",
    "连接学校基金会 {n}",
    "教育联网协会 {n}",
]
COUNTRIES = ["KE", "PE", "FR", "EG", "CN", "IN", "BR", "DE", "JP", "AU", "ZA", "MX", "AE", "ZZ"]
BATCH_SIZE = 5_000


def large_declaration_text() -> dict:
    return {
        "title": "Demonstration Declaration",
        "preamble": "A declaration of ten principles with ten action lines each, for load tests.",
        "principles": [
            {
                "title": f"Demonstration principle {p}",
                "explanation": f"Why demonstration principle {p} matters.",
                "action_lines": [f"Demonstration action line {p}.{a}." for a in range(1, 11)],
            }
            for p in range(1, 11)
        ],
    }


class Command(BaseCommand):
    help = (
        "Add demonstration data for load tests: N approved endorsers across countries, "
        "organisation types, regions and scripts, and optionally a published declaration of "
        "10 principles with 10 action lines each. Refuses to run with DEBUG off unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--endorsers", type=int, default=1_000, help="How many to add.")
        parser.add_argument(
            "--large-declaration",
            action="store_true",
            help="First publish a new version of 10 principles with 10 action lines each.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (a load-test server)."
        )

    def handle(self, *args, endorsers: int, large_declaration: bool, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off and this adds fake endorsers: pass --force to run.")
        version = self.version_to_endorse(large_declaration=large_declaration)
        started = time.monotonic()
        first = Endorsement.objects.count() + 1
        with transaction.atomic():
            Endorsement.objects.bulk_create(
                (demo_endorsement(n, version) for n in range(first, first + endorsers)),
                batch_size=BATCH_SIZE,
            )
            public_content_changed()
            open_data_changed()
        self.stdout.write(
            f"Added {endorsers} approved endorser(s) of version {version.number}"
            f"{' (a new 10 x 10 version)' if large_declaration else ''}"
            f" in {time.monotonic() - started:.1f} s."
        )

    def version_to_endorse(self, *, large_declaration: bool):
        """The declaration's current version, after publishing the 10 x 10 one if asked. It is
        published before the endorsers are added, so its first PDF renders with none."""
        declaration = Declaration.objects.get_or_create_served()
        if large_declaration:
            publish_loaded_text(declaration=declaration, text=large_declaration_text())
            declaration.refresh_from_db()
        if declaration.current_version is None:
            raise CommandError(
                "The declaration has no published version: run load_declaration first, "
                "or pass --large-declaration."
            )
        return declaration.current_version


def demo_endorsement(n: int, version) -> Endorsement:
    """The n-th demonstration endorser; `n` keeps every name unique."""
    now = timezone.now()
    types = Endorsement.OrganisationType.values
    endorsement = Endorsement(
        organisation_type=types[n % len(types)],
        contact_name="Demonstration contact",
        contact_email=f"contact{n}@demo.example.org",
        version=version,
        content_hash=version.content_hash,
        status=Endorsement.Status.APPROVED,
        submitted_at=now,
        confirmed_at=now,
        approved_at=now,
    )
    country = COUNTRIES[n % len(COUNTRIES)]
    endorsement.set_organisation(
        name=NAME_PATTERNS[n % len(NAME_PATTERNS)].format(n=n), country=country
    )
    return endorsement

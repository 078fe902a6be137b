from django.core.management.base import BaseCommand
from django.db import transaction

from endorsements.logos import delete_files_when_committed, purge_rejected_logo_files
from endorsements.models import Endorsement, Logo


class Command(BaseCommand):
    help = (
        "Delete unconfirmed endorsements whose confirmation link has expired, with all their"
        " personal data. The task worker runs it every day; run it by hand to purge now."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only say what would be deleted."
        )

    @transaction.atomic
    def handle(self, *args, dry_run: bool, **options):
        expired = Endorsement.objects.expired_unconfirmed()
        count = expired.count()
        if dry_run:
            self.stdout.write(f"Would delete {count} expired unconfirmed endorsement(s).")
            return
        delete_files_when_committed(list(Logo.objects.filter(endorsement__in=expired)))
        expired.delete()
        self.stdout.write(f"Deleted {count} expired unconfirmed endorsement(s).")
        logos = purge_rejected_logo_files()
        self.stdout.write(f"Deleted the files of {logos} rejected logo(s).")

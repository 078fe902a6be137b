from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from declaration_site.backups import BackupError, back_up


class Command(BaseCommand):
    help = (
        "Write one archive of the database (PostgreSQL: pg_dump's custom format; SQLite: a copy "
        "through its backup API) and of MEDIA_ROOT (PDFs, open data, logos), with a manifest "
        "of checksums, the time and the release, into FOLDER."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="Where to write the archive.")
        parser.add_argument(
            "--keep",
            type=int,
            help="Then delete all but the newest KEEP archives in FOLDER.",
        )

    def handle(self, *args, folder: Path, keep: int | None, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1: the archive just written is kept.")
        try:
            archive = back_up(folder=folder, keep=keep)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{archive} ({archive.stat().st_size:,} bytes)")

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from declaration_site.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore an archive written by backup_site into the database of DATABASE_URL and into "
        "MEDIA_ROOT, after checking every checksum. Both must be empty unless --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace the tables of a database and the files of a media folder that are "
            "not empty.",
        )

    def handle(self, *args, archive: Path, replace: bool, **options):
        try:
            restored = restore(archive=archive, replace=replace)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = restored.manifest
        self.stdout.write(
            f"Restored the {manifest['database']['engine']} database and "
            f"{restored.media_files} media file(s) taken at {manifest['taken_at']}. "
            "Next: `manage.py migrate` if this release is newer than the archive's, then "
            "`manage.py collectstatic --noinput`."
        )

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from principles.pdf.signing import create_self_signed_key


class Command(BaseCommand):
    help = (
        "Create a self-signed key and certificate for signing PDFs in development, as a PKCS#12 "
        "file protected by PDF_SIGNING_PASSPHRASE. Production uses a real certificate instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            default=settings.PDF_SIGNING_PKCS12,
            help="Where to write the PKCS#12 file (default: PDF_SIGNING_PKCS12).",
        )
        parser.add_argument(
            "--keep-existing",
            action="store_true",
            help="Do nothing when the file exists already (so `make run` can call it each time).",
        )
        parser.add_argument(
            "--common-name",
            default="Declaration site (development signing key)",
            help="The name the certificate gives its holder.",
        )

    def handle(self, *args, path, keep_existing, common_name, **options):
        if not path:
            raise CommandError("Name the file to write, or set PDF_SIGNING_PKCS12.")
        path = Path(path)
        if path.exists():
            if keep_existing:
                self.stdout.write(f"Kept the existing signing key {path}.")
                return
            raise CommandError(f"{path} exists; remove it first, or pass --keep-existing.")
        create_self_signed_key(
            path=path, passphrase=settings.PDF_SIGNING_PASSPHRASE, common_name=common_name
        )
        self.stdout.write(
            self.style.SUCCESS(f"Wrote a self-signed development signing key to {path}.")
        )

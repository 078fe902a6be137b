from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from principles.pdf.signing import Verdict, verify_pdf

VERDICTS = {
    Verdict.GENUINE: "GENUINE: signed by this site and unaltered.",
    Verdict.ALTERED: "ALTERED: the file has been changed since this site signed it.",
    Verdict.SIGNED_BY_SOMEONE_ELSE: "NOT OURS: the file is signed, but not by this site.",
    Verdict.UNSIGNED: "UNSIGNED: the file carries no digital signature.",
    Verdict.NOT_A_PDF: "NOT A PDF: the file is not a PDF.",
    Verdict.UNREADABLE: "UNREADABLE: the file starts like a PDF but cannot be read (incomplete or"
    " damaged).",
    Verdict.EXPIRED: "EXPIRED: signed by this site, but its certificate has expired and no"
    " timestamp proves that the signature was made before.",
}


class Command(BaseCommand):
    help = (
        "Say whether a PDF file was signed by this site and is unaltered, and which version "
        "and snapshot of signatories it holds. Exits with status 1 unless it is genuine."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The PDF file to check.")

    def handle(self, *args, path: Path, **options):
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        verification = verify_pdf(path.read_bytes())
        self.stdout.write(VERDICTS[verification.verdict])
        if not verification.is_genuine:
            raise CommandError(f"{path} is not a genuine PDF of this site.", returncode=1)
        meta = verification.metadata
        if meta:
            self.stdout.write(
                f"Declaration version {meta.get('declaration_version')}, "
                f"{meta.get('snapshot_count')} signatories as of {meta.get('snapshot_taken_at')}"
                f"\nSnapshot of the signatories (SHA-256): {meta.get('snapshot_hash')}"
            )
        signed_at = f"{verification.signed_at:%Y-%m-%d %H:%M:%S %Z}"
        if verification.timestamp_authority:
            signed_at += f", according to the timestamp of {verification.timestamp_authority}"
        self.stdout.write(f"Signed at {signed_at}.")
        self.stdout.write(f"Level: PAdES-{verification.level}.")
        if verification.timestamp_unconfirmed:
            self.stdout.write("It carries a timestamp that could not be confirmed.")
        if verification.level.is_long_term:
            self.stdout.write(
                "It stays verifiable after the site's certificate expires "
                f"({verification.certificate_expires_at:%Y-%m-%d}); its last timestamp's "
                f"authority vouches for it until {verification.verifiable_until:%Y-%m-%d}."
            )
        else:
            self.stdout.write(
                "It can be checked only until the site's certificate expires "
                f"({verification.certificate_expires_at:%Y-%m-%d})."
            )

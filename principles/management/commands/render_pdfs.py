from django.core.management.base import BaseCommand

from principles.models import Version
from principles.pdf.render import save_rendered_pdf, stored_pdf_of
from principles.pdf.signatories import signatories_of
from principles.pdf.tasks import queue_stale_certificates


class Command(BaseCommand):
    help = (
        "Render, sign and store the PDF of every published version, in English and in each "
        "language the version has a translation in, where it is missing or does not hold the "
        "current signatories. Stored PDFs are kept; nothing is deleted. Then queue for the task "
        "worker the certificate of every approved endorsement whose certificate is missing or "
        "states something else (a new signing key, a new SITE_URL), and delete the "
        "certificates of endorsements that are no longer public."
    )

    def handle(self, *args, **options):
        rendered = up_to_date = 0
        for version in Version.objects.published().select_related("declaration"):
            snapshot = signatories_of(version)
            for language in version.pdf_languages():
                # Stored already, perhaps for an earlier moment: downloads get it again.
                if stored_pdf_of(version=version, snapshot=snapshot, language=language):
                    up_to_date += 1
                    continue
                pdf = save_rendered_pdf(version=version, snapshot=snapshot, language=language)
                rendered += 1
                self.stdout.write(f"Rendered {pdf} ({pdf.size:,} bytes): {pdf.file.name}")
        self.stdout.write(
            self.style.SUCCESS(f"{rendered} PDF(s) rendered, {up_to_date} already up to date.")
        )
        self.queue_certificates()

    def queue_certificates(self):
        queued, up_to_date = queue_stale_certificates()
        self.stdout.write(
            self.style.SUCCESS(
                f"{queued} certificate(s) queued for the task worker, {up_to_date} already up "
                "to date."
            )
        )

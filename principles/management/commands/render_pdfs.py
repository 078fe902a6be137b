from django.core.management.base import BaseCommand

from principles.models import DeclarationPdf, Version
from principles.pdf import render_declaration_pdf, signatories_of


class Command(BaseCommand):
    help = (
        "Render, sign and store the PDF of every published version whose PDF is missing or "
        "does not hold its current signatories. Stored PDFs are kept; nothing is deleted."
    )

    def handle(self, *args, **options):
        rendered = up_to_date = 0
        for version in Version.objects.published().select_related("declaration"):
            snapshot = signatories_of(version)
            if DeclarationPdf.objects.filter(
                version=version, snapshot_hash=snapshot.digest
            ).exists():
                up_to_date += 1
                continue
            pdf = render_declaration_pdf(version_id=version.pk)
            rendered += 1
            self.stdout.write(f"Rendered {pdf} ({pdf.size:,} bytes): {pdf.file.name}")
        self.stdout.write(
            self.style.SUCCESS(f"{rendered} PDF(s) rendered, {up_to_date} already up to date.")
        )

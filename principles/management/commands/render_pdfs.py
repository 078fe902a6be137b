from django.core.management.base import BaseCommand

from principles.models import DeclarationPdf, Version
from principles.pdf import matched_again, signatories_of, store_declaration_pdf


class Command(BaseCommand):
    help = (
        "Render, sign and store the PDF of every published version, in English and in each "
        "language the version has a translation in, where it is missing or does not hold the "
        "current signatories. Stored PDFs are kept; nothing is deleted."
    )

    def handle(self, *args, **options):
        rendered = up_to_date = 0
        for version in Version.objects.published().select_related("declaration"):
            snapshot = signatories_of(version)
            stored = {
                pdf.language: pdf
                for pdf in DeclarationPdf.objects.filter(
                    version=version, snapshot_hash=snapshot.digest
                )
            }
            for language in version.pdf_languages():
                if language in stored:
                    # Stored already, perhaps for an earlier moment: downloads get it again.
                    matched_again(stored[language], snapshot=snapshot)
                    up_to_date += 1
                    continue
                pdf = store_declaration_pdf(version=version, snapshot=snapshot, language=language)
                rendered += 1
                self.stdout.write(f"Rendered {pdf} ({pdf.size:,} bytes): {pdf.file.name}")
        self.stdout.write(
            self.style.SUCCESS(f"{rendered} PDF(s) rendered, {up_to_date} already up to date.")
        )

"""Background work on the declaration, run by the task worker (`manage.py db_worker`)."""

from django_tasks import task

from .models import DeclarationPdf
from .pdf import render_declaration_pdfs, replace_declaration_pdf


@task()
def refresh_declaration_pdf(*, version_id: int, render_if_missing: bool = False) -> str:
    """Render and store the PDF of a version with its signatories as they are now, in English
    and in each language the version has a translation in; downloads keep getting the previous
    PDF until the fresh one is stored. Publishing a version asks for its first PDFs
    (`render_if_missing`); otherwise a version that has no PDF yet is skipped. A version with
    a PDF gets one in a newly added translation at its next refresh."""
    if not render_if_missing and not DeclarationPdf.objects.filter(version_id=version_id).exists():
        return "skipped: no PDF of this version has been rendered yet"
    pdfs = render_declaration_pdfs(version_id=version_id)
    return "; ".join(f"stored {pdf.file.name} ({pdf.signatory_count} signatories)" for pdf in pdfs)


@task()
def rerender_declaration_pdf(*, version_id: int, language: str) -> str:
    """Render the PDF of a version in one language anew, because its text in that language
    changed: a translation was published or revised."""
    pdf = replace_declaration_pdf(version_id=version_id, language=language)
    return f"stored {pdf.file.name} ({pdf.signatory_count} signatories)"

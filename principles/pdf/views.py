"""The pages that serve the signed PDF and let anyone verify one."""

import hashlib
import re

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import get_language
from django_ratelimit.decorators import ratelimit

from declaration_site.converters import is_ascii_number
from declaration_site.http_caching import shared_with_everyone
from declaration_site.public_cache import cached_value
from declaration_site.stored_files import send_stored_file

from ..models import SOURCE_LANGUAGE, DeclarationPdf, Version
from .forms import VerifyPdfForm
from .render import PdfBeingRendered, PdfRenderError, pdf_to_serve
from .signing import Verdict, verify_pdf


def current_pdf(request):
    """The signed PDF of the current version, in the reader's language when the version has a
    translation in it, else in English. Which file that is, is kept in the public cache until
    the public content changes, so a download reads nothing from the database."""
    language = get_language()
    return _pdf_response(
        request,
        lambda: cached_value(
            f"pdf-to-serve:{language}",
            lambda: _current_pdf_file(language),
        ),
    )


def _current_pdf_file(language: str) -> tuple[str, str, str] | None:
    version = Version.objects.current().with_pdf_language(language).first()
    return None if version is None else _file_of(version)


def version_pdf(request, number: int):
    """The signed PDF of one published version, in the reader's language or else in English."""
    version = get_object_or_404(
        Version.objects.served().published().with_pdf_language().select_related("declaration"),
        number=number,
    )
    return _pdf_response(request, lambda: _file_of(version))


def _file_of(version: Version) -> tuple[str, str, str]:
    """Where the PDF that a reader of this version gets is stored, the name a download saves
    it under, and its language. A language without a translation gets the English file at its
    own address, not a redirect to /declaration.pdf: FirstVisitLanguageMiddleware sends a
    French browser without the language cookie from there back to /fr/declaration.pdf."""
    language = version.pdf_language
    pdf = pdf_to_serve(version=version, language=language)
    filename = f"{pdf.version.declaration.slug}-v{pdf.version.number}-{language}.pdf"
    return pdf.file.name, filename, language


def _pdf_response(request, find_file):
    try:
        found = find_file()
    except PdfRenderError as error:
        context = {"being_rendered": isinstance(error, PdfBeingRendered)}
        response = render(request, "principles/pdf_unavailable.html", context, status=503)
        response["Retry-After"] = str(error.retry_after)
        return response
    if found is None:
        raise Http404("No published version.")
    name, filename, language = found
    storage = DeclarationPdf._meta.get_field("file").storage
    response = send_stored_file(storage, name, content_type="application/pdf", filename=filename)
    response["Content-Language"] = language
    # Short: a fresh PDF replaces this one at the same address when the signatories change.
    response["Cache-Control"] = "public, max-age=300"
    # Each stored PDF has a name of its own: a reader who has this one gets a 304.
    response["ETag"] = f'"{hashlib.sha256(name.encode()).hexdigest()[:32]}"'
    return shared_with_everyone(response)


SNAPSHOT_HASH = re.compile("[0-9a-f]{64}")


def verify_rate(group, request) -> str:
    return settings.VERIFY_RATE_LIMIT


@ratelimit(key="ip", rate=verify_rate, method="POST", block=False)
def verify(request):
    """Anyone uploads a PDF and learns whether this site signed it and nobody changed it.

    `?version=…&snapshot=…`, the address in a PDF's QR code, names the file the reader holds.
    """
    max_bytes = settings.PDF_VERIFY_MAX_UPLOAD_MB * 1024 * 1024
    named = _named_pdf(request.GET)
    # An address from a QR code that names no file we published (damaged, mistyped, forged):
    # say so, and still offer to check the file itself.
    names_nothing = named is None and any(request.GET.get(name) for name in ("version", "snapshot"))
    context = {
        "named": named,
        "names_nothing": names_nothing,
        "max_size": filesizeformat(max_bytes),
    }
    form, status = VerifyPdfForm(max_bytes=max_bytes), 404 if names_nothing else 200
    if request.method == "POST" and request.limited:
        context["rate_limited"], status = True, 429
    elif request.method == "POST":
        # Refuse a huge upload from its declared length, before Django reads the body.
        if int(request.META.get("CONTENT_LENGTH") or 0) > max_bytes + 64 * 1024:
            context["too_large"], status = True, 413
        else:
            form = VerifyPdfForm(request.POST, request.FILES, max_bytes=max_bytes)
            if form.is_valid():
                verification = verify_pdf(form.cleaned_data["pdf"].read())
                context["verification"] = verification
                # Not a PDF we can check: the upload, not the site, is at fault.
                unreadable = verification.verdict in {Verdict.NOT_A_PDF, Verdict.UNREADABLE}
                status = 422 if unreadable else 200
            else:
                status = 400
    return render(request, "principles/verify.html", {**context, "form": form}, status=status)


def _named_pdf(query) -> DeclarationPdf | None:
    """The PDF that `?version=…&snapshot=…&language=…` names; without `language`, the PDF in
    the source language (the QR codes of English PDFs carry none)."""
    number, snapshot = query.get("version", ""), query.get("snapshot", "")
    language = query.get("language", SOURCE_LANGUAGE)
    # Only what a QR code can hold reaches the database: PostgreSQL refuses a NUL byte with
    # an error, and no stored PDF has another name.
    if not (
        is_ascii_number(number)
        and SNAPSHOT_HASH.fullmatch(snapshot)
        and language in dict(settings.LANGUAGES)
    ):
        return None
    return (
        DeclarationPdf.objects.served()
        .filter(
            version__number=int(number),
            language=language,
            snapshot_hash=snapshot,
        )
        .select_related("version")
        .first()
    )

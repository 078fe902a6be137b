"""Logos that endorsers upload: checked, then re-encoded with Pillow before anything is stored.

Only PNG, JPEG and WebP are taken, at most MAX_BYTES and MAX_SIDE pixels a side. The checks run
on the bytes, never on the name or the type the browser declared: the format is read from the
file's signature and must be the one its name claims, the image must end where its format says
it ends (nothing hidden after it) and hold no markup, and its size is read from the header
before a single pixel is decoded, so that a small file declaring a huge image is refused without
the memory its pixels would take. What is stored is a fresh WebP encoding of the pixels alone:
no metadata (location, camera, comments) and nothing else of the upload survives. An animated
image keeps its first frame: a logo is still.

A logo is moderated with its endorsement (`decide_pending_logos`, called by the moderation
service) or, sent after approval, as a change of its own in the changes queue (`approve_logo`,
`reject_logo`, from self_service.views.changes_queue).
"""

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopFutureHandlers
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from PIL import Image, ImageOps, UnidentifiedImageError

from declaration_site.public_cache import public_content_changed
from principles.models import AuditEntry

from .models import Endorsement, EndorsementStateError, Logo

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000
# Pixels a side of the stored sizes: the list shows logos at 48 CSS pixels (96 for sharp
# screens), the endorser's page and its share card at up to 200.
SMALL_SIDE = 96
LARGE_SIDE = 400
# The list shows 50 logos a page and must stay under 100 KB in all: a small logo that is
# larger than this at the first quality is encoded again, coarser or smaller, until it fits.
SMALL_MAX_BYTES = 1200
SMALL_ATTEMPTS = [(96, 80), (96, 55), (96, 30), (64, 50), (64, 25), (48, 30), (48, 5)]

# Each format taken, by the bytes it starts with, and the names its files go by.
SIGNATURES = {
    "PNG": (re.compile(rb"\A\x89PNG\r\n\x1a\n"), {".png"}),
    "JPEG": (re.compile(rb"\A\xff\xd8\xff"), {".jpg", ".jpeg", ".jfif"}),
    "WEBP": (re.compile(rb"\ARIFF....WEBP", re.DOTALL), {".webp"}),
}
# Markup that makes an image file a web page, a script or an SVG too (a polyglot).
MARKUP = re.compile(rb"<\s*(script|html|svg|body|iframe|object|embed|\?php|!doctype)", re.I)


class LogoRefused(ValueError):
    """The upload is not a logo we take; the message says why, in words for the uploader."""


@dataclass(frozen=True)
class ProcessedLogo:
    small: bytes
    large: bytes
    width: int
    height: int
    content_hash: str


def too_large_message() -> str:
    return _("The logo is larger than 2 MB. Please send a smaller file.")


def process_logo(upload) -> ProcessedLogo:
    """Check `upload` (a Django UploadedFile) and re-encode it; raises LogoRefused."""
    if upload.size > MAX_BYTES:
        raise LogoRefused(too_large_message())
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise LogoRefused(too_large_message())
    image_format = format_of(data, name=upload.name or "")
    check_nothing_hidden(data, image_format)
    large = thumbnail(open_checked(data, image_format), LARGE_SIDE)
    large_bytes = encoded(large, quality=85)
    return ProcessedLogo(
        small=small_encoding(large),
        large=large_bytes,
        width=large.width,
        height=large.height,
        content_hash=hashlib.sha256(large_bytes).hexdigest(),
    )


def shown_name(name: str) -> str:
    """The file's name as a message may repeat it: its end, without control or direction
    characters that would reorder the message around it."""
    kept = "".join(c for c in name if unicodedata.category(c)[0] not in {"C", "Z"} or c == " ")
    return kept[-60:]


def format_of(data: bytes, *, name: str) -> str:
    """The format the bytes are in, if it is one we take and the one the file's name says."""
    suffix = "." + name.rpartition(".")[2].lower() if "." in name else ""
    for image_format, (signature, suffixes) in SIGNATURES.items():
        if signature.match(data):
            if suffix and suffix not in suffixes:
                raise LogoRefused(
                    _(
                        "The file is named %(name)s but holds a %(format)s image. Please send it"
                        " under its real type."
                    )
                    % {"name": shown_name(name), "format": image_format}
                )
            return image_format
    if data.lstrip()[:5].lower() in {b"<?xml", b"<svg ", b"<svg>"} or b"<svg" in data[:1024]:
        raise LogoRefused(_("SVG logos are not accepted. Please send a PNG, JPEG or WebP image."))
    raise LogoRefused(_("This file is not a PNG, JPEG or WebP image."))


def damaged() -> LogoRefused:
    return LogoRefused(_("The image could not be read; the file may be damaged."))


def image_end(data: bytes, image_format: str) -> int | None:
    """Where the image ends by its format's own account, or None when it ends early (a
    truncated file): PNG's IEND chunk, JPEG's last end marker, the length WebP declares."""
    if image_format == "PNG":
        position = 8
        while position + 12 <= len(data):
            length = int.from_bytes(data[position : position + 4], "big")
            kind = data[position + 4 : position + 8]
            position += 12 + length
            if kind == b"IEND":
                return position if position <= len(data) else None
        return None
    if image_format == "JPEG":
        end = data.rfind(b"\xff\xd9")
        return None if end < 0 else end + 2
    declared = int.from_bytes(data[4:8], "little") + 8
    return declared if declared <= len(data) else None


def check_nothing_hidden(data: bytes, image_format: str) -> None:
    """Refuse a file that carries something besides its image: markup anywhere, or bytes after
    the image's end (a single padding byte or trailing zeros are what some encoders write)."""
    if MARKUP.search(data):
        raise LogoRefused(_("The file holds web page code besides the image, so it was refused."))
    end = image_end(data, image_format)
    if end is None:
        raise damaged()
    if data[end:].strip(b"\x00"):
        raise LogoRefused(
            _("The file holds more than an image (data after its end), so it was refused.")
        )


def open_checked(data: bytes, image_format: str) -> Image.Image:
    """Decode the first frame, once its declared size is known to be within bounds."""
    image = opened(data, image_format)
    width, height = image.size
    if width > MAX_SIDE or height > MAX_SIDE:
        raise LogoRefused(
            _(
                "The image is %(width)s × %(height)s pixels; logos may be at most 4,000 pixels"
                " on each side."
            )
            % {"width": width, "height": height}
        )
    if width < 16 or height < 16:
        raise LogoRefused(
            _("The image is too small to show; please send one at least 16 pixels wide and high.")
        )
    if image_format == "JPEG":
        # Decode a JPEG at the smallest scale that still covers the large size: up to eight
        # times less work for a photograph-sized logo.
        image.draft(image.mode, (LARGE_SIDE, LARGE_SIDE))
    try:
        image.load()
        image = ImageOps.exif_transpose(image)
        # Palette, grey, CMYK and 16-bit images become RGBA before any resizing, which would
        # otherwise pick the nearest palette entry; transparency is kept.
        return image if image.mode == "RGBA" else image.convert("RGBA")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise damaged() from None


def opened(data: bytes, image_format: str) -> Image.Image:
    """The image with its header read and no pixel decoded yet."""
    try:
        return Image.open(io.BytesIO(data), formats=[image_format])
    except Image.DecompressionBombError:
        # Pillow refuses on its own an image declaring over twice MAX_IMAGE_PIXELS.
        raise LogoRefused(
            _("The image declares more pixels than a logo may have (at most 4,000 × 4,000).")
        ) from None
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError):
        raise damaged() from None


def thumbnail(image: Image.Image, side: int) -> Image.Image:
    shown = image.copy()
    shown.thumbnail((side, side), Image.Resampling.LANCZOS)
    return shown


def encoded(image: Image.Image, *, quality: int) -> bytes:
    """The image as WebP, with no metadata."""
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=quality, method=4)
    return out.getvalue()


def small_encoding(large: Image.Image) -> bytes:
    """The small size: the first of SMALL_ATTEMPTS that fits in SMALL_MAX_BYTES (a flat logo
    fits at once; only a photograph or noise needs a coarser or smaller encoding)."""
    for side, quality in SMALL_ATTEMPTS:
        small = encoded(thumbnail(large, side), quality=quality)
        if len(small) <= SMALL_MAX_BYTES:
            break
    return small


def logo_files(logo: Logo) -> list:
    return [field for field in (logo.small, logo.large) if field.name]


def delete_files(logo: Logo) -> None:
    for field in logo_files(logo):
        field.storage.delete(field.name)


def store_logo(*, endorsement, processed: ProcessedLogo) -> Logo:
    """A new Logo row for `endorsement`, waiting for moderation, with its files stored.

    The files are written first and the row then; the files are deleted again if the row is
    not written, or if the transaction it is written in rolls back (see `submit_endorsement`).
    """
    logo = Logo(
        endorsement=endorsement,
        content_hash=processed.content_hash,
        width=processed.width,
        height=processed.height,
    )
    try:
        logo.small.save("small.webp", ContentFile(processed.small), save=False)
        logo.large.save("large.webp", ContentFile(processed.large), save=False)
        logo.save()
    except BaseException:
        delete_files(logo)
        raise
    return logo


def delete_files_when_committed(logos: list[Logo]) -> None:
    """Delete the logos' files once the current transaction commits: a rollback keeps them."""
    names = [(field.storage, field.name) for logo in logos for field in logo_files(logo)]
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in names])


def decide_pending_logos(*, endorsement: Endorsement, approved: bool, moderator) -> None:
    """Moderate the logo sent with `endorsement` as its endorsement was just moderated: on
    approval the newest pending logo is approved and shown (any older one is rejected); on
    rejection or spam every pending logo is rejected. The endorsement's decision is audited
    already; this is part of it."""
    pending = list(Logo.objects.pending().filter(endorsement=endorsement))
    if approved and pending:
        newest, *older = pending
        newest.approve(by=moderator)
        endorsement.show_logo(newest)
    else:
        older = pending
    reject_for_good(older, moderator=moderator)


def reject_for_good(logos: list[Logo], *, moderator) -> None:
    """Reject logos with no way back (a decision in the queue has no undo): their files are
    deleted once the transaction commits."""
    for logo in logos:
        logo.reject(by=moderator)
        forget_files_when_committed(logo)


def forget_files_when_committed(logo: Logo) -> None:
    delete_files_when_committed([logo])
    logo.forget_files()


def sweep_pending_logos(*, endorsement: Endorsement, moderator, at) -> None:
    """Reject the pending logos of an endorsement a bulk action of time `at` sweeps. Their
    files stay until `purge_rejected_logo_files`, so that undoing the batch can bring them back."""
    for logo in Logo.objects.pending().filter(endorsement=endorsement):
        logo.reject(by=moderator, at=at)


def restore_swept_logos(*, endorsement: Endorsement, at) -> None:
    """Undo `sweep_pending_logos`: the logos the bulk action of time `at` rejected, and whose
    files are still kept, wait for moderation again with their endorsement."""
    swept = Logo.objects.filter(
        endorsement=endorsement, status=Logo.Status.REJECTED, moderated_at=at
    ).exclude(small="")
    for logo in swept:
        logo.reopen(at=at)


# How long the files of a logo rejected by a bulk action are kept: an undo within this time
# brings the logo back with its endorsement; after it, the endorsement comes back without it.
SWEPT_LOGO_KEPT = timedelta(days=30)


def purge_rejected_logo_files(*, now=None) -> int:
    """Delete the files of the logos rejected more than SWEPT_LOGO_KEPT ago that still have
    them (those a bulk action rejected; the queue deletes at once), once the transaction
    commits. Run by the daily purge. Returns how many logos lost their files."""
    now = now or timezone.now()
    expired = list(
        Logo.objects.filter(
            status=Logo.Status.REJECTED, moderated_at__lt=now - SWEPT_LOGO_KEPT
        ).exclude(small="", large="")
    )
    for logo in expired:
        forget_files_when_committed(logo)
    return len(expired)


@transaction.atomic
def approve_logo(*, logo: Logo, moderator) -> Logo:
    """Approve a logo an approved endorser sent as a change, and show it in place of the one
    shown so far (whose row stays, for the record). Audited; the public pages are refreshed."""
    logo = Logo.objects.select_for_update().select_related("endorsement").get(pk=logo.pk)
    if logo.endorsement.status != Endorsement.Status.APPROVED:
        raise EndorsementStateError(f"{logo.endorsement} is no longer public.")
    logo.approve(by=moderator)
    logo.endorsement.show_logo(logo)
    AuditEntry.objects.log(
        actor=moderator,
        action=AuditEntry.Action.ENDORSEMENT_CHANGE_APPROVE,
        target=logo.endorsement,
        detail=f"logo {logo.content_hash[:16]}",
    )
    # The PDFs and open data name no logo: only the pages that show it change.
    public_content_changed()
    return logo


@transaction.atomic
def reject_logo(*, logo: Logo, moderator) -> Logo:
    """Reject a logo an approved endorser sent as a change: the logo shown so far stays."""
    logo = Logo.objects.select_for_update().select_related("endorsement").get(pk=logo.pk)
    reject_for_good([logo], moderator=moderator)
    AuditEntry.objects.log(
        actor=moderator,
        action=AuditEntry.Action.ENDORSEMENT_CHANGE_REJECT,
        target=logo.endorsement,
        detail=f"logo {logo.content_hash[:16]}",
    )
    return logo


def erase_logos(*, endorsement: Endorsement) -> None:
    """Delete every logo of `endorsement`, files and rows, once the transaction commits: it
    withdrew, or its personal data is purged."""
    logos = list(endorsement.logos.all())
    if endorsement.logo_id is not None:
        endorsement.show_logo(None)
    delete_files_when_committed(logos)
    Logo.objects.filter(pk__in=[logo.pk for logo in logos]).delete()


class LogoUploadHandler(FileUploadHandler):
    """Receives the endorsement form's logo in memory, at most MAX_BYTES + 1 bytes of it: the
    rest of a larger file is read from the request and dropped, never held or written to disk,
    and its full size is kept, so `process_logo` refuses it with the right message while every
    other field of the form is read and kept. Any other file in the request is skipped."""

    def new_file(self, field_name, *args, **kwargs):
        if field_name != "logo" or getattr(self, "received", False):
            raise SkipFile
        super().new_file(field_name, *args, **kwargs)
        self.received = True
        self.kept = io.BytesIO()
        raise StopFutureHandlers

    def receive_data_chunk(self, raw_data, start):
        room = MAX_BYTES + 1 - self.kept.tell()
        if room > 0:
            self.kept.write(raw_data[:room])

    def file_complete(self, file_size):
        self.kept.seek(0)
        return InMemoryUploadedFile(
            self.kept,
            self.field_name,
            self.file_name,
            self.content_type,
            file_size,
            self.charset,
            self.content_type_extra,
        )


def accepts_logo(view):
    """Let `view` read a logo with LogoUploadHandler. Upload handlers must be set before the
    request's body is read, which the CSRF check does: so the check runs here, after."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.upload_handlers = [LogoUploadHandler(request)]
        return csrf_protect(view)(request, *args, **kwargs)

    return wrapper

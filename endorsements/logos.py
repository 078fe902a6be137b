"""Logos that endorsers upload: checked, then re-encoded with Pillow before anything is stored.

Only PNG, JPEG and WebP are taken, at most MAX_BYTES and MAX_SIDE pixels a side. The checks run
on the bytes, never on the name or the type the browser declared: the format is read from the
file's signature and must be the one its name claims, the image must end where its format says
it ends (nothing hidden after it) and hold no markup, and its size is read from the header
before a single pixel is decoded, so that a small file declaring a huge image is refused without
the memory its pixels would take. What is stored is a fresh WebP encoding of the pixels alone:
no metadata (location, camera, comments) and nothing else of the upload survives.
"""

import hashlib
import io
import re
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import Logo

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000
# Pixels a side of the stored sizes: the list shows logos at 48 CSS pixels (96 for sharp
# screens), the endorser's page and its share card at up to 200.
SMALL_SIDE = 96
LARGE_SIDE = 400

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


def process_logo(upload) -> ProcessedLogo:
    """Check `upload` (a Django UploadedFile) and re-encode it; raises LogoRefused."""
    if upload.size > MAX_BYTES:
        raise LogoRefused(_("The logo is larger than 2 MB. Please send a smaller file."))
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise LogoRefused(_("The logo is larger than 2 MB. Please send a smaller file."))
    image_format = format_of(data, name=upload.name or "")
    check_nothing_hidden(data, image_format)
    image = open_checked(data, image_format)
    return ProcessedLogo(
        small=encoded(image, SMALL_SIDE),
        large=(large := encoded(image, LARGE_SIDE)),
        width=(shown := thumbnail(image, LARGE_SIDE)).width,
        height=shown.height,
        content_hash=hashlib.sha256(large).hexdigest(),
    )


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
                    % {"name": name[-60:], "format": image_format}
                )
            return image_format
    if data.lstrip()[:5].lower() in {b"<?xml", b"<svg ", b"<svg>"} or b"<svg" in data[:1024]:
        raise LogoRefused(_("SVG logos are not accepted. Please send a PNG, JPEG or WebP image."))
    raise LogoRefused(_("This file is not a PNG, JPEG or WebP image."))


def check_nothing_hidden(data: bytes, image_format: str) -> None:
    """Refuse a file that carries something besides its image: markup anywhere, or bytes after
    the image's end (PNG's IEND chunk, JPEG's end marker, the length WebP declares)."""
    if MARKUP.search(data):
        raise LogoRefused(_("The file holds web page code besides the image, so it was refused."))
    if image_format == "PNG":
        ends_cleanly = data.endswith(b"IEND\xaeB`\x82")
    elif image_format == "JPEG":
        ends_cleanly = data.rstrip(b"\x00").endswith(b"\xff\xd9")
    else:
        ends_cleanly = int.from_bytes(data[4:8], "little") + 8 in {len(data), len(data) - 1}
    if not ends_cleanly:
        raise LogoRefused(
            _("The file holds more than an image (data after its end), so it was refused.")
        )


def open_checked(data: bytes, image_format: str) -> Image.Image:
    """Decode the first frame, once its declared size is known to be within bounds."""
    try:
        image = Image.open(io.BytesIO(data), formats=[image_format])
        width, height = image.size
        if width > MAX_SIDE or height > MAX_SIDE:
            raise LogoRefused(
                _(
                    "The image is %(width)s × %(height)s pixels; logos may be at most 4,000"
                    " pixels on each side."
                )
                % {"width": width, "height": height}
            )
        image.load()
        image = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise LogoRefused(
            _("The image declares more pixels than a logo may have (at most 4,000 × 4,000).")
        ) from None
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError):
        raise LogoRefused(_("The image could not be read; the file may be damaged.")) from None
    if width < 16 or height < 16:
        raise LogoRefused(
            _("The image is too small to show; please send one at least 16 pixels wide and high.")
        )
    return image.convert("RGBA")


def thumbnail(image: Image.Image, side: int) -> Image.Image:
    shown = image.copy()
    shown.thumbnail((side, side), Image.Resampling.LANCZOS)
    return shown


def encoded(image: Image.Image, side: int) -> bytes:
    """The image at most `side` pixels a side, as WebP, with no metadata."""
    out = io.BytesIO()
    thumbnail(image, side).save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()


def store_logo(*, endorsement, processed: ProcessedLogo) -> Logo:
    """A new Logo row for `endorsement`, waiting for moderation, with its files stored."""
    logo = Logo(
        endorsement=endorsement,
        content_hash=processed.content_hash,
        width=processed.width,
        height=processed.height,
    )
    logo.small.save("small.webp", ContentFile(processed.small), save=False)
    logo.large.save("large.webp", ContentFile(processed.large), save=False)
    logo.save()
    return logo

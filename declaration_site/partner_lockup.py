"""The partner lockup: an optional image of the partners behind the declaration, set by the
operator (PARTNER_LOCKUP, PARTNER_LOCKUP_ALT) and shown in every page's footer.

The file is never served as it is. A raster (PNG, JPEG, WebP) goes through the checks that
endorsers' logos go through and is re-encoded from its pixels (endorsements.logos); an SVG is
parsed with entities refused (no XML bomb, no external entity) and rebuilt from an allowlist of
SVG's own drawing elements and attributes, without its DOCTYPE, so that no script, event
handler, foreign object or outside address survives (a file, an http image, a stylesheet
import). A file the parsers cannot take (nested too deep, of no finite size) is refused like
any other, so that it costs the footer its lockup and never a page. What is served
carries its content hash in its address, so browsers keep it for good and a new file is fetched
at once.

Checked at start-up (`declaration_site.E010` and `E011`, checks.py) and processed once per
process, on the first page that shows it.
"""

import hashlib
import json
import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.translation import get_language

from endorsements import logos

logger = logging.getLogger(__name__)

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
MAX_BYTES = 2 * 1024 * 1024
# Pixels on the longer side of a re-encoded raster: a lockup is wide, and shown 3rem high on
# screens with two or three device pixels to the CSS pixel.
RASTER_SIDE = 900
DRAWING_ELEMENTS = {
    "svg", "g", "defs", "symbol", "use", "title", "desc", "path", "rect", "circle", "ellipse",
    "line", "polyline", "polygon", "text", "tspan", "linearGradient", "radialGradient", "stop",
    "clipPath", "mask", "style",
}  # fmt: skip
DRAWING_ATTRIBUTES = {
    "id", "class", "viewBox", "preserveAspectRatio", "width", "height", "x", "y", "x1", "y1",
    "x2", "y2", "cx", "cy", "r", "rx", "ry", "d", "points", "transform", "fill", "fill-opacity",
    "fill-rule", "clip-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
    "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity",
    "clip-path", "mask", "style", "offset", "stop-color", "stop-opacity", "gradientUnits",
    "gradientTransform", "spreadMethod", "fx", "fy", "font-family", "font-size", "font-weight",
    "font-style", "text-anchor", "dominant-baseline", "letter-spacing", "dx", "dy",
    "clipPathUnits", "maskUnits", "maskContentUnits", "href", "version", "role", "aria-label",
}  # fmt: skip
# CSS in a style attribute or element may name only the drawing's own parts, url(#id): no
# import, no url() of anything else, no image-set() (it takes plain strings as addresses), no
# escape (which could spell any of these), and no quoted string but a fragment ("#id"), as
# `@import "…"` and functions to come take an address as a string.
OUTSIDE_IN_CSS = re.compile(r"@import|url\s*\(\s*(?![\s'\"]*#)|image-set|expression\s*\(|\\", re.I)
QUOTED_IN_CSS = re.compile(r"\"[^\"]*\"?|'[^']*'?")
# How deep elements may nest: drawing programs group a few levels deep; thousands would
# exhaust Python's recursion in the walk below and in ElementTree's serialiser.
MAX_DEPTH = 50
# A length or coordinate as SVG writes it, exponent included (no "inf", "nan" or "1_0").
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


class LockupRefused(ValueError):
    """The configured lockup cannot be shown; the message says why, for the operator."""


@dataclass(frozen=True)
class Lockup:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.content).hexdigest()[:16]


def configured_file() -> Path | None:
    """PARTNER_LOCKUP as a file: a path on disk, or else a path among the static files."""
    name = settings.PARTNER_LOCKUP
    if not name:
        return None
    path = Path(name)
    if not path.is_absolute():
        path = settings.BASE_DIR / path
    if path.is_file():
        return path
    found = finders.find(name)
    if not found:
        raise LockupRefused(f"PARTNER_LOCKUP {name!r} is neither a file nor a static file.")
    return Path(found)


def load() -> Lockup | None:
    """The configured lockup, processed; None when none is configured."""
    path = configured_file()
    if path is None:
        return None
    stat = path.stat()
    outcome = processed(str(path), stat.st_mtime_ns, stat.st_size)
    if isinstance(outcome, LockupRefused):
        raise LockupRefused(str(outcome))
    return outcome


def shown() -> Lockup | None:
    """The lockup for a page: a file broken since start-up is logged, never a failed page."""
    try:
        return load()
    except (LockupRefused, OSError) as error:
        log_refusal(str(error))
        return None


@lru_cache(maxsize=16)
def log_refusal(reason: str) -> None:
    """Log why the lockup is not shown, once per reason rather than on every page."""
    logger.error("The partner lockup is not shown: %s", reason)


@lru_cache(maxsize=4)
def processed(path: str, _mtime_ns: int, size: int) -> Lockup | LockupRefused:
    """The file at `path` checked and rebuilt, or why it is refused: either is kept until the
    file changes on disk, so that a refused file is not read again on every page. Whatever
    a hostile file makes the parsers raise is a refusal, never a failed page or check."""
    try:
        if size > MAX_BYTES:
            raise LockupRefused("it is larger than 2 MB.")
        data = Path(path).read_bytes()
        if path.lower().endswith(".svg"):
            return sanitised_svg(data)
        return reencoded_raster(data, name=Path(path).name)
    except LockupRefused as refused:
        return LockupRefused(f"{path}: {refused}")
    except (RecursionError, OverflowError, ValueError) as error:
        return LockupRefused(f"{path} cannot be processed: {error!r}")


def reencoded_raster(data: bytes, *, name: str) -> Lockup:
    try:
        image_format = logos.format_of(data, name=name)
        logos.check_nothing_hidden(data, image_format)
        image = logos.thumbnail(logos.open_checked(data, image_format), RASTER_SIDE)
    except logos.LogoRefused as refused:
        raise LockupRefused(str(refused)) from None
    return Lockup(logos.encoded(image, quality=90), "image/webp", "webp", *image.size)


def sanitised_svg(data: bytes) -> Lockup:
    try:
        # A DOCTYPE alone is what drawing programs write; expat never fetches its DTD.
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ElementTree.ParseError) as error:
        raise LockupRefused(f"the SVG cannot be read safely: {error}") from None
    if root.tag != f"{{{SVG}}}svg":
        raise LockupRefused("the SVG file's root element is not <svg>.")
    keep_drawing_only(root)
    width, height = svg_size(root)
    return Lockup(svg_bytes(root), "image/svg+xml", "svg", width, height)


def keep_drawing_only(element: ElementTree.Element, depth: int = 0) -> None:
    """Remove from `element`, in place, every child and attribute that is not plain drawing."""
    if depth > MAX_DEPTH:
        raise LockupRefused(f"the SVG nests elements more than {MAX_DEPTH} deep.")
    if element.tag == f"{{{SVG}}}style":
        # Its whole text is the style sheet, children and what follows them included.
        css = "".join(element.itertext())
        del element[:]
        element.text = "" if reaches_outside(css) else css
    for child in list(element):
        if is_drawing_element(child.tag):
            keep_drawing_only(child, depth + 1)
        else:
            element.remove(child)
    for attribute, value in list(element.attrib.items()):
        if not is_drawing_attribute(attribute, value):
            del element.attrib[attribute]


def is_drawing_element(tag: str) -> bool:
    """An element of SVG's own namespace with an allowed name: `<style xmlns="">` is no SVG
    style, and another namespace's `rect` no SVG rect."""
    namespace, _brace, name = tag.rpartition("}")
    return namespace == f"{{{SVG}" and name in DRAWING_ELEMENTS


def is_drawing_attribute(attribute: str, value: str) -> bool:
    name = attribute.removeprefix(f"{{{XLINK}}}")
    if name not in DRAWING_ATTRIBUTES or (name != attribute and name != "href"):
        return False
    if name == "href":
        return value.startswith("#")
    return not reaches_outside(value)


def reaches_outside(css: str) -> bool:
    """Whether `css` may name anything but the drawing's own parts (see OUTSIDE_IN_CSS)."""
    return bool(OUTSIDE_IN_CSS.search(css)) or any(
        not quoted[1:].startswith("#") for quoted in QUOTED_IN_CSS.findall(css)
    )


def svg_bytes(root: ElementTree.Element) -> bytes:
    """The kept drawing, all of whose elements are SVG's, written with SVG as its default
    namespace. Written here, not by ElementTree.register_namespace, which would change how
    every other ElementTree output of the process names the SVG namespace."""
    for element in root.iter():
        element.tag = element.tag.removeprefix(f"{{{SVG}}}")
        if (href := element.attrib.pop(f"{{{XLINK}}}href", None)) is not None:
            element.set("xlink:href", href)
    root.set("xmlns", SVG)
    root.set("xmlns:xlink", XLINK)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)


def svg_size(root: ElementTree.Element) -> tuple[int, int]:
    """The drawing's proportions, from its viewBox or else its width and height."""
    view_box = re.split(r"[\s,]+", root.get("viewBox", "").strip())
    size = len(view_box) == 4 and positive_size(*view_box[2:])
    size = size or positive_size(root.get("width", ""), root.get("height", ""))
    if not size:
        raise LockupRefused(
            "the SVG has neither a viewBox nor a width and height in positive numbers."
        )
    return size


def positive_size(width: str, height: str) -> tuple[int, int] | None:
    """Width and height in whole pixels (at least one); None unless both are finite numbers
    above zero (a number such as 1e999 is too large to be finite)."""
    if not (NUMBER.fullmatch(width) and NUMBER.fullmatch(height)):
        return None
    values = float(width), float(height)
    if not all(math.isfinite(value) and value > 0 for value in values):
        return None
    return max(1, round(values[0])), max(1, round(values[1]))


def alt_texts() -> dict[str, str]:
    """PARTNER_LOCKUP_ALT: a JSON object of language code to text, or plain English text."""
    raw = settings.PARTNER_LOCKUP_ALT.strip()
    if not raw.startswith("{"):
        return {"en": raw} if raw else {}
    try:
        texts = json.loads(raw)
    except ValueError as error:
        raise LockupRefused(f"PARTNER_LOCKUP_ALT is not valid JSON: {error}") from None
    if not isinstance(texts, dict) or not all(
        isinstance(text, str) and text.strip() for text in texts.values()
    ):
        raise LockupRefused("PARTNER_LOCKUP_ALT must map language codes to texts.")
    return texts


def alt_text() -> str:
    """The lockup's text in the reader's language, or in English."""
    try:
        texts = alt_texts()
    except LockupRefused:
        return ""
    return texts.get(get_language() or "en") or texts.get("en", "")

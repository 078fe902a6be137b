"""Share cards: the 1200×630 PNG that social networks show beside a shared link.

A card is drawn from what it shows: its heading (the declaration's title, or the name of the
page), the count of endorsers and the site's address, in the reader's language. The set of
cards is bounded, one per kind (KINDS) and language, and each is drawn once per change of
what it shows: its address carries a digest of its content, so a new title or count is a new
address, and the PNG behind an address never changes (cached by the digest, served with a
year's Cache-Control).

WeasyPrint lays the card out (the engine of the declaration's PDF: HarfBuzz shapes Arabic,
fontconfig falls back between the Noto fonts for Latin, Arabic and Chinese in one line, the
bidi algorithm orders mixed text), and PDFium rasterises the page. Pillow alone cannot: its
text layout draws each string in one font, and no Noto Arabic font has Latin letters.
"""

import hashlib
import io
import json
import unicodedata
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import pypdfium2
import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from django.utils.text import Truncator
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from PIL import Image

from declaration_site.public_cache import cached_value
from endorsements.models import Endorsement
from endorsements.profiles.badges import declaration_title
from principles.pdf.render import StaticOnlyURLFetcher, static_dirs

WIDTH, HEIGHT = 1200, 630
# Changes when the drawing changes, so that every card gets a new address.
DRAWING = "1"
# A card never changes once drawn; this only lets the cache drop cards nobody asks for.
KEEP_SECONDS = 30 * 24 * 60 * 60
# Long enough for three lines of the heading at the smallest size; more is cut with "…".
HEADING_CHARACTERS = 160
# What each kind of card shows as its heading; None: the declaration's title.
KINDS = {
    "declaration": None,
    "versions": _("Published versions"),
    "endorse": _("Endorse the declaration"),
    "endorsers": _("Endorsers"),
    "consultations": _("Consultations"),
    "verify": _("Check a PDF of the declaration"),
    "privacy": _("Privacy notice"),
}
# Characters that could reorder the text around them or that a page cannot hold.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}


@dataclass(frozen=True)
class Card:
    kind: str
    language: str
    heading: str
    title: str  # the declaration's title, above a heading that names another page
    count: str
    address: str

    @property
    def digest(self) -> str:
        content = json.dumps({**asdict(self), "drawing": DRAWING}, sort_keys=True)
        return hashlib.sha256(content.encode()).hexdigest()[:20]

    @property
    def url(self) -> str:
        """The card's absolute address, in the language it is drawn in."""
        return settings.SITE_URL + reverse("share-card", args=[self.kind, self.digest])

    @property
    def heading_size(self) -> int:
        """Pixels: large for a short heading, smaller as it grows (a Chinese character takes
        about the room of two Latin letters), so that it fits in three lines."""
        width = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in self.heading)
        return 72 if width <= 50 else 58 if width <= 90 else 46

    @property
    def alt(self) -> str:
        return f"{self.heading}. {self.count}"


def current_card(kind: str) -> Card:
    """The card of `kind` as it is now, in the active language (KeyError for another kind)."""
    title = printable(declaration_title())
    heading = KINDS[kind]
    count = endorser_count()
    return Card(
        kind=kind,
        language=get_language(),
        heading=Truncator(str(heading) if heading else title).chars(HEADING_CHARACTERS),
        title="" if heading is None else Truncator(title).chars(HEADING_CHARACTERS),
        count=ngettext(
            "%(count)s organisation has endorsed the declaration.",
            "%(count)s organisations have endorsed the declaration.",
            count,
        )
        % {"count": number_format(count, force_grouping=True)},
        address=urlsplit(settings.SITE_URL).netloc,
    )


def endorser_count() -> int:
    return cached_value("share-card-count", lambda: Endorsement.objects.public().count())


def printable(text: str) -> str:
    """`text` without control, format (bidi) and unassigned characters: a title can hold
    nothing that reorders or hides what the card shows."""
    return "".join(char for char in text if unicodedata.category(char) not in INVISIBLE_CATEGORIES)


def card_png(card: Card) -> bytes:
    """The card's PNG, drawn once per content (its digest) and then read from the cache. A
    drawing costs a tenth to half a second of CPU: one request draws it while the others
    wait, and none does while the cache does not answer (ValueNotReady: 503)."""
    return cached_value(
        f"share-card:{card.digest}", lambda: draw(card), fixed_for=KEEP_SECONDS, costly=True
    )


def draw(card: Card) -> bytes:
    with translation.override(card.language):
        html = render_to_string(
            "share/card.html",
            {"card": card, "bidi": translation.get_language_bidi(), "size": (WIDTH, HEIGHT)},
        )
    # The PDF's fetcher: nothing outside the static files (the name mark is one), whatever the
    # card comes to hold.
    pdf = weasyprint.HTML(
        string=html,
        base_url=static_dirs()[-1].as_uri() + "/",
        url_fetcher=StaticOnlyURLFetcher(allowed_dirs=static_dirs()),
    ).write_pdf()
    document = pypdfium2.PdfDocument(pdf)
    try:
        # CSS pixels are 1/96 inch, PDF points 1/72: this scale gives back WIDTH × HEIGHT.
        image = document[0].render(scale=96 / 72).to_pil()
    finally:
        document.close()
    return png_bytes(image.convert("RGB").resize((WIDTH, HEIGHT)))


def png_bytes(image: Image.Image) -> bytes:
    # Two flat colours and the anti-aliasing of text: a palette of 64 keeps a card near 30 KB.
    output = io.BytesIO()
    image.quantize(64, method=Image.Quantize.MEDIANCUT).save(output, "PNG", optimize=True)
    return output.getvalue()

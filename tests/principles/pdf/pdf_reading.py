"""Build signatory snapshots for tests and read back what a PDF holds."""

from io import BytesIO

from django.utils import timezone
from pypdf import PdfReader

from principles.pdf.signatories import Signatory, SignatorySnapshot

LATIN = ["Open Schools Kenya", "Fundação Escola Aberta", "Bridges & <Partners>"]
ARABIC = ["مؤسسة الأمل للتعليم", "شبكة المدارس الرقمية"]
CHINESE = ["北京教育基金会", "数字学校联盟"]
COUNTRIES = [("KE", "Kenya"), ("BR", "Brazil"), ("EG", "Egypt"), ("JO", "Jordan"), ("CN", "China")]
TYPES = ["ngo", "foundation", "academia", "government"]


def make_snapshot(names: list[str] | None = None, *, count: int = 0) -> SignatorySnapshot:
    """A snapshot of the given names, or of `count` names in Latin, Arabic and Chinese scripts
    (numbered so that each is unique), spread over five countries and four types."""
    if names is None:
        scripts = [LATIN[0], ARABIC[0], CHINESE[0]]
        names = [f"{scripts[i % 3]} {i}" for i in range(count)]
    return SignatorySnapshot(
        signatories=tuple(
            Signatory(
                name=name,
                country_code=COUNTRIES[i % len(COUNTRIES)][0],
                organisation_type=TYPES[i % len(TYPES)],
            )
            for i, name in enumerate(names)
        ),
        taken_at=timezone.now(),
    )


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(BytesIO(pdf))


def text_lines(pdf: bytes) -> list[str]:
    return [line for page in reader(pdf).pages for line in page.extract_text().splitlines()]


def text_positions(page) -> list[tuple[str, float, float]]:
    """Each piece of text on `page` with the x and y (in points, from the bottom left) at which
    it starts."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((text.strip(), cm[4] + tm[4] * cm[0], cm[5] + tm[5] * cm[3]))

    page.extract_text(visitor_text=visit)
    return found


def shows(name: str, lines: list[str]) -> bool:
    """Whether one extracted line holds `name`, or every word of it. Extraction gives
    right-to-left words in visual order, so the order of the words is not compared; it also
    leaves out the space between left-to-right and right-to-left text."""
    words = set(name.split())
    return any(name in line or words <= set(line.split()) for line in lines)


def embedded_fonts(pdf: bytes) -> set[str]:
    """Base names of the embedded fonts, without the subset prefix (ABCDEF+Noto-Sans)."""
    names = set()
    for page in reader(pdf).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts") or [font]
            for descendant in descendants:
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor and any(
                    k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
                ):
                    names.add(str(font["/BaseFont"]).split("+", 1)[-1])
    return names


def outline_titles(pdf: bytes) -> list:
    """The outline as titles, nested lists holding the children of the entry before them."""

    def titles(entries):
        return [titles(entry) if isinstance(entry, list) else entry.title for entry in entries]

    return titles(reader(pdf).outline)


def alternative_texts(pdf: bytes) -> list[str]:
    """The /Alt texts of the tagged structure tree: what a screen reader says for figures."""
    found = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif hasattr(node, "get"):
            if "/Alt" in node:
                found.append(str(node["/Alt"]))
            if "/K" in node:
                walk(node["/K"])

    walk(reader(pdf).trailer["/Root"]["/StructTreeRoot"])
    return found

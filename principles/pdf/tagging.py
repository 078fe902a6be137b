"""Two things WeasyPrint 70 does not do for a tagged PDF, added where it builds the structure
tree (`weasyprint.pdf.tags`), once per process (`install`).

- The language of an element: WeasyPrint writes the document's language (/Lang in the catalog)
  but no /Lang on the structure elements, so a screen reader reads an Arabic or Chinese name,
  or an English passage of a French PDF, in the document's language. An element with a `lang`
  attribute (other than <html>) now gives its structure element /Lang; its children inherit it.
- Speed: WeasyPrint asks pydyf for `page_references` for every structure element, and pydyf
  builds the tuple of all pages each time; with thousands of elements on hundreds of pages,
  that was the slowest part of writing the tags (a cost that grows with elements × pages).
  The tuple is now kept until a page is added.

Both wrap the library's functions without changing what they write otherwise; tests read the
structure tree back (tests/principles/pdf/test_pdf_tags.py), so an upgrade that changes these
functions shows there.
"""

import pydyf
from weasyprint.pdf import tags

_original_build_box_tree = tags._build_box_tree


def _build_box_tree_with_languages(box, *args, **kwargs):
    elements = _original_build_box_tree(box, *args, **kwargs)
    element = getattr(box, "element", None)
    language = None
    if element is not None and getattr(element, "tag", None) not in ("html", "body"):
        language = element.get("lang")
    for structure_element in elements:
        if language and "Lang" not in structure_element:
            structure_element["Lang"] = pydyf.String(language)
        yield structure_element


def _page_references(pdf):
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_page_references")
    if cached is None or cached[0] != len(kids):
        references = tuple(f"{number} 0 R".encode("ascii") for number in kids[::3])
        cached = pdf.__dict__["_page_references"] = (len(kids), references)
    return cached[1]


def install() -> None:
    """Add element languages and the kept page references to WeasyPrint's tagging."""
    if tags._build_box_tree is not _build_box_tree_with_languages:
        # The recursion inside looks the function up by name, so children get it too.
        tags._build_box_tree = _build_box_tree_with_languages
    pydyf.PDF.page_references = property(_page_references)

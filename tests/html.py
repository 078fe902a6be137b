"""Parse pages the way the tests need them: strictly, so that invalid HTML fails a test."""

import html5lib
from html5lib.html5parser import ParseError


def parse_strict(content: bytes | str):
    """The page as an ElementTree (no namespaces), or ParseError naming the first problem."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(content)


__all__ = ["ParseError", "parse_strict"]

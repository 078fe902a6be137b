"""Parse pages the way the tests need them, and post forms the way a browser does."""

import html5lib
from html5lib.html5parser import ParseError


def parse_strict(content: bytes | str):
    """The page as an ElementTree (no namespaces), or ParseError naming the first problem."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(content)


def csrf_token(response) -> str:
    """The CSRF token of the last form on the page, as a browser would post it. A page whose
    form carries more than one token (a cached fragment with another visitor's) fails here."""
    page = html5lib.parse(response.content, namespaceHTMLElements=False)
    tokens = [
        element.get("value")
        for element in page.iter("input")
        if element.get("name") == "csrfmiddlewaretoken"
    ]
    assert tokens, "the page has no form with a CSRF token"
    assert len(set(tokens)) == 1, f"the page carries {len(set(tokens))} different CSRF tokens"
    return tokens[-1]


def submit(client, url: str, data: dict | None = None, *, page: str | None = None, **extra):
    """Load `page` (`url` by default) as a browser would, then post `data` to `url` with the
    CSRF token the page carried and the cookie the client received."""
    form_page = client.get(page or url, **extra)
    assert form_page.status_code == 200, f"{page or url} answered {form_page.status_code}"
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": csrf_token(form_page)}, **extra)


__all__ = ["ParseError", "csrf_token", "parse_strict", "submit"]

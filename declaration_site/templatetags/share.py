from urllib.parse import quote, urlencode

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def share_links(url: str, text: str) -> dict:
    """`url` made absolute (a path is on this site), and plain links that share it with `text`
    by email and on the common networks: each network's own sharing address, so the page needs
    no script and loads nothing from them."""
    url = settings.SITE_URL + url if url.startswith("/") else url
    return {"url": url, "links": links(url, text)}


def links(url: str, text: str) -> list[dict]:
    message = f"{text} {url}"
    return [
        {
            "name": _("Email"),
            "href": "mailto:?" + urlencode({"subject": text, "body": message}, quote_via=quote),
        },
        {
            "name": "X",
            "href": "https://twitter.com/intent/tweet?" + urlencode({"text": text, "url": url}),
        },
        {
            "name": "LinkedIn",
            "href": "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        },
        {"name": "WhatsApp", "href": "https://wa.me/?" + urlencode({"text": message})},
        {
            "name": "Facebook",
            "href": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        },
    ]

from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language_info

from . import partner_lockup


def languages(request):
    """The current page in every language, for the switcher and the hreflang alternates."""
    path = request.get_full_path()
    return {
        "page_languages": [
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "url": request.build_absolute_uri(translate_url(path, code)),
            }
            for code, _name in settings.LANGUAGES
        ]
    }


def brand(request):
    """What the header and footer of every page show besides the page: the partner lockup, if
    one is configured, and where to write and find the source code."""
    lockup = partner_lockup.shown()
    return {
        "partner_lockup": lockup,
        "partner_lockup_alt": partner_lockup.alt_text() if lockup else "",
        "contact_email": settings.CONTACT_EMAIL,
        "source_code_url": settings.SOURCE_CODE_URL,
    }

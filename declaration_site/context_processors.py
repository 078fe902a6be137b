from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language_info


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

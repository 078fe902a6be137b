"""Countries in the reader's language and in that language's alphabetical order, for every
part of the site that lists them (the endorsement form, the public list, the PDF)."""

import functools
from collections.abc import Callable

from django import forms
from django.conf import settings
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _
from django_countries import Countries
from icu import Collator, Locale

INTERNATIONAL = "ZZ"


@functools.cache
def collator(language: str) -> Collator:
    """ICU's collator for a Django language code: CLDR's alphabetical order for that language."""
    return Collator.createInstance(Locale(to_locale(language)))


def alphabetical_key(language: str | None = None) -> Callable[[str], bytes]:
    """The sort key of `language`'s alphabetical order (the active language's by default), as
    CLDR defines it: pinyin for Simplified Chinese, the Russian alphabet, Arabic with the hamza
    forms of alif sorted as alif, French accents compared after the letters. Spaces around the
    text are left out: django-countries' Chinese name of Svalbard starts with one."""
    sort_key = collator(language or get_language() or settings.LANGUAGE_CODE).getSortKey
    return lambda text: sort_key(text.strip())


class EndorsementCountries(Countries):
    """Every country, plus "International" for organisations that belong to none."""

    override = {INTERNATIONAL: _("International")}

    def __iter__(self):
        """The countries in the active language's alphabetical order. django-countries sorts
        by the name folded to ASCII, which leaves Russian, Arabic and Chinese lists in English
        order; this sorts its list again, once per language, and keeps it."""
        language = get_language()
        collated = self.__dict__.setdefault("_collated", {})
        if language not in collated:
            key = alphabetical_key(language)
            collated[language] = sorted(super().__iter__(), key=lambda country: key(country.name))
        yield from collated[language]


# One instance for every form: it keeps its translated list, sorted, for each language.
COUNTRIES = EndorsementCountries()


def country_choices(blank_label) -> list:
    """Every country, with "International" first for organisations that belong to none."""
    countries = [(code, name) for code, name in COUNTRIES if code != INTERNATIONAL]
    return [("", blank_label), (INTERNATIONAL, _("International")), *countries]


class CountryChoiceField(forms.ChoiceField):
    """Every country, "International" first. The long translated list is only built when the
    form is shown; a submission is checked by looking its code up."""

    def __init__(self, *, blank_label, **kwargs):
        super().__init__(choices=lambda: country_choices(blank_label), **kwargs)

    def valid_value(self, value) -> bool:
        return value in COUNTRIES

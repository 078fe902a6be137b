"""Country lists follow the reader's alphabet: CLDR's order for each interface language.

The expected orders are ICU 72's (CLDR 42) output for these names, checked by hand once:
- Russian: the Russian alphabet (Австралия, Ангилья, Андорра, Афганистан), where English order
  is Afghanistan, Andorra, Anguilla, Australia. Code-point order is the Russian alphabet too for
  these names (no country's name has ё), so no Russian pair can tell the two apart.
- Arabic: CLDR's Arabic rules sort alif with hamza above or below (أ, إ) as plain alif, the
  difference counting at the second level only, and alif madda (آ) as hamza and alif; the
  article "ال" is sorted as written. English order, and code-point order (U+0623 before plain
  alif U+0627), both put أذربيجان before اثيوبيا.
- Chinese: pinyin (ā'ěr before ā fù, āi before ài, ān before ào, then bā, zhōng); code-point
  order puts 中国 first and 阿富汗 before 阿尔巴尼亚.
- French: accents compared after the letters and case after that: Égypte, Équateur, Espagne,
  États-Unis, Éthiopie interleave (code-point order puts every É after Z; English order starts
  with Ecuador), and Île de Man comes before Île Jan Mayen (django-countries alone compares
  "d" after "J", and so does code-point order).
"""

import pytest

from tests.html import parse_strict

# (code, name in that language), in the order a reader of the language expects.
EXPECTED_ORDER = {
    "ru": [("AU", "Австралия"), ("AI", "Ангилья"), ("AD", "Андорра"), ("AF", "Афганистан")],
    "ar": [
        ("AW", "آروبا"),
        ("ET", "اثيوبيا"),
        ("AZ", "أذربيجان"),
        ("ER", "إريتريا"),
        ("AR", "الأرجنتين"),
        ("AL", "ألبانيا"),
        ("BE", "بلجيكا"),
    ],
    "zh-hans": [
        ("AL", "阿尔巴尼亚"),
        ("AF", "阿富汗"),
        ("EG", "埃及"),
        ("IE", "爱尔兰"),
        ("AO", "安哥拉"),
        ("AU", "澳大利亚"),
        ("BR", "巴西"),
        ("CN", "中国"),
    ],
    "fr": [
        ("BZ", "Bélize"),
        ("BY", "Biélorussie"),
        ("EG", "Égypte"),
        ("EC", "Équateur"),
        ("ES", "Espagne"),
        ("US", "États-Unis d'Amérique"),
        ("ET", "Éthiopie"),
        ("IM", "Île de Man"),
        ("SJ", "Île Jan Mayen"),
    ],
}
INTERNATIONAL = {
    "ru": "Международный уровень",
    "ar": "دولي",
    "zh-hans": "国际",
    "fr": "International",
}


def country_options(response) -> list[str]:
    page = parse_strict(response.content)
    options = page.findall(".//select[@name='country']/option")
    return ["".join(option.itertext()).strip() for option in options]


def names_in_expected_order(language: str) -> list[str]:
    return [name for _code, name in EXPECTED_ORDER[language]]


def in_order_of(options: list[str], names: list[str]) -> list[str]:
    """`names` in the order the options list them."""
    return sorted(names, key=options.index)


@pytest.mark.parametrize("language", EXPECTED_ORDER)
def test_the_form_lists_countries_in_the_alphabetical_order_of_the_reader(
    client, version, language
):
    options = country_options(client.get(f"/{language}/endorse/"))

    expected = names_in_expected_order(language)
    assert in_order_of(options, expected) == expected


def test_the_endorsers_filter_lists_countries_in_the_same_order(client, db):
    options = country_options(client.get("/zh-hans/endorsers/"))

    expected = names_in_expected_order("zh-hans")
    assert in_order_of(options, expected) == expected


@pytest.mark.parametrize("language", EXPECTED_ORDER)
def test_international_stays_first_in_every_language(client, version, language):
    options = country_options(client.get(f"/{language}/endorse/"))

    assert options[1] == INTERNATIONAL[language]

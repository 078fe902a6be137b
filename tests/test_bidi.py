"""The `isolate` filter: a value that may run the other way keeps its own order inside a line,
as a <bdi> with its direction in HTML and between U+2068 and U+2069 in plain text."""

from django.template import Context, Template
from django.utils.safestring import mark_safe

from declaration_site.templatetags.bidi import isolate

FSI, PDI = "\u2068", "\u2069"


def render(source: str, **context) -> str:
    return Template("{% load bidi %}" + source).render(Context(context))


def test_an_arabic_name_is_a_right_to_left_bdi_in_html():
    assert isolate("جامعة القاهرة") == '<bdi dir="rtl">جامعة القاهرة</bdi>'


def test_an_english_name_and_a_bare_number_are_left_to_right_bdis():
    assert isolate("Open Schools 2.0") == '<bdi dir="ltr">Open Schools 2.0</bdi>'
    assert isolate("1.1") == '<bdi dir="ltr">1.1</bdi>'


def test_the_first_strong_letter_decides_as_dir_auto_does():
    assert isolate("2030: مدارس Connect") == '<bdi dir="rtl">2030: مدارس Connect</bdi>'


def test_markup_in_a_value_is_escaped_and_a_safe_value_is_judged_by_its_words():
    assert isolate("<b>x</b>") == '<bdi dir="ltr">&lt;b&gt;x&lt;/b&gt;</bdi>'
    assert isolate(mark_safe("<br>مدرسة")) == '<bdi dir="rtl"><br>مدرسة</bdi>'


def test_directional_controls_typed_into_a_value_are_dropped():
    hostile = "\u202eevil\u2069\u202d x"

    assert isolate(hostile) == '<bdi dir="ltr">evil x</bdi>'
    assert render("{% autoescape off %}{{ v|isolate }}{% endautoescape %}", v=hostile) == (
        f"{FSI}evil x{PDI}"
    )


def test_nothing_to_isolate_gives_nothing():
    assert isolate("") == ""
    assert isolate(None) == ""


def test_plain_text_gets_the_first_strong_isolate_marks_and_no_markup():
    source = "{% autoescape off %}Hello {{ name|isolate }},{% endautoescape %}"

    assert render(source, name="أحمد <علي>") == f"Hello {FSI}أحمد <علي>{PDI},"


def test_a_translated_sentence_isolates_the_value_it_is_given():
    source = (
        "{% load i18n %}{% blocktranslate with o=name|isolate %}By {{ o }}.{% endblocktranslate %}"
    )

    assert render(source, name="جامعة القاهرة") == 'By <bdi dir="rtl">جامعة القاهرة</bdi>.'

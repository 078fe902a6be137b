"""The PDF in each language the version has a translation in, and in English for the others."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation

from principles.models import DeclarationPdf
from principles.pdf.render import render_declaration, render_declaration_pdf
from principles.pdf.signatories import Signatory, SignatorySnapshot
from principles.pdf.tasks import queue_pdf_refreshes
from tests.endorsements.test_country_order import EXPECTED_ORDER
from tests.html import parse_strict
from tests.principles.pdf.pdf_reading import (
    embedded_fonts,
    make_snapshot,
    outline_titles,
    reader,
    shows,
    text_lines,
    text_positions,
)
from tests.principles.pdf.test_pdf_views import download, upload, verdict_of

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_a_french_translation_gives_a_pdf_in_french(client, publish_translated, pdf_settings):
    publish_translated("fr", principles=2, action_lines=2)

    response = client.get("/fr/declaration.pdf")

    assert response.status_code == 200
    assert 'filename="connectivity-for-education-v1-fr.pdf"' in response["Content-Disposition"]
    assert response["Content-Language"] == "fr"
    pdf = download(response)
    text = "\n".join(text_lines(pdf))
    for p in (1, 2):
        assert f"Titre du principe {p}" in text
        assert f"Texte de la ligne d'action {p}.2." in text
    for label in (
        "Préambule",
        "Principe 1",
        "Lignes d'action",
        "Signataires",
        "Page 2 sur",
        "Traduit de l'anglais",
        "Empreinte du texte anglais de la version (SHA-256)",
    ):
        assert label in text, label
    for english in (
        "Test Declaration",
        "Principle title",
        "Action line 1.1 text.",
        "We, the signatories",
        "Preamble",
        "Action lines",
        "Signatories",
        "Page 2 of",
    ):
        assert english not in text, english
    document = reader(pdf)
    assert document.trailer["/Root"]["/Lang"] == "fr"
    assert document.metadata.title == "Déclaration d'essai, version 1"
    assert outline_titles(pdf)[1][:2] == ["Préambule", "Principe 1 Titre du principe 1"]


def test_an_arabic_translation_gives_a_pdf_in_arabic_laid_out_right_to_left(
    client, publish_translated, pdf_settings
):
    publish_translated("ar", principles=2, action_lines=2)

    response = client.get("/ar/declaration.pdf")

    assert 'filename="connectivity-for-education-v1-ar.pdf"' in response["Content-Disposition"]
    pdf = download(response)
    lines = text_lines(pdf)
    for words in ("إعلان تجريبي", "عنوان المبدأ 1", "عنوان المبدأ 2", "الديباجة", "خطوط العمل"):
        assert shows(words, lines), words
    text = "\n".join(lines)
    for english in ("Test Declaration", "Principle", "Action line", "Preamble", "Page", "Version"):
        assert english not in text, english
    assert reader(pdf).trailer["/Root"]["/Lang"] == "ar"
    # Mirrored: the heading starts at the right, the running title is at the top right and the
    # page number at the bottom left.
    page = reader(pdf).pages[1]
    middle, top = float(page.mediabox.width) / 2, float(page.mediabox.height) - 70
    header = {text: x for text, x, y in text_positions(page) if y > top}
    footer = {text: x for text, x, y in text_positions(page) if y < 70}
    body = {text: x for text, x, y in text_positions(page) if 70 < y < top}
    assert header["إعلان تجريبي"] > middle
    assert header["الديباجة"] < middle
    assert footer["الصفحة"] < middle
    assert body["الديباجة"] > middle


def test_a_chinese_translation_prints_in_the_simplified_chinese_face_with_chinese_dates(
    publish_translated, pdf_settings
):
    version = publish_translated("zh-hans", principles=1, action_lines=1)

    pdf = render_declaration(version=version, snapshot=make_snapshot(count=3), language="zh-hans")

    text = "\n".join(text_lines(pdf))
    assert "测试宣言" in text
    assert "原则标题 1" in text
    published = timezone.localtime(version.published_at)
    assert f"{published.year}年{published.month}月{published.day}日" in text
    fonts = embedded_fonts(pdf)
    assert "Noto-Sans-CJK-SC" in fonts
    # Nothing else: no Japanese CJK face picked because of `lang`, no DejaVu.
    assert all(name.startswith("Noto-Sans") and "JP" not in name for name in fonts), fonts


def test_each_language_names_the_same_signatories_with_countries_and_types_in_it(
    publish_translated, pdf_settings
):
    version = publish_translated("fr", "ar", principles=1, action_lines=1)
    names = ["Open Schools Kenya", "مؤسسة الأمل للتعليم", "北京教育基金会"]  # KE, BR, EG
    snapshot = make_snapshot(names)

    english, french, arabic = (
        text_lines(render_declaration(version=version, snapshot=snapshot, language=language))
        for language in ("en", "fr", "ar")
    )

    for lines in (english, french, arabic):
        for name in names:
            assert shows(name, lines), name
    assert {"Brazil (1)", "Egypt (1)", "Kenya (1)"} <= set(english)
    assert {"Brésil (1)", "Égypte (1)", "Kenya (1)"} <= set(french)
    # In French alphabetical order, not in code-point order (which puts É after K).
    headings = ["Brésil (1)", "Égypte (1)", "Kenya (1)"]
    assert sorted(headings, key=french.index) == headings
    # The type of organisation leads its names, with French punctuation (a space before ":").
    assert "ONG ou société civile : Open Schools Kenya" in " ".join(french).replace("\xa0", " ")
    for country in ("البرازيل", "مصر", "كينيا"):
        assert shows(country, arabic), country


@pytest.mark.parametrize("language", EXPECTED_ORDER)
def test_the_pdf_groups_signatories_by_country_in_the_alphabetical_order_of_its_language(
    language,
):
    in_order = EXPECTED_ORDER[language]
    snapshot = SignatorySnapshot(
        signatories=tuple(
            Signatory(name=f"Organisation {code}", country_code=code, organisation_type="ngo")
            for code, _name in reversed(in_order)
        ),
        taken_at=timezone.now(),
    )

    with translation.override(language):
        countries = [country for country, _members in snapshot.by_country()]

    assert countries == [name for _code, name in in_order]


def test_the_french_pdf_lists_the_names_of_a_country_in_french_alphabetical_order():
    names = ["Fondation Horizon", "École ouverte", "Association Lire", "Éditions du Sud"]
    snapshot = SignatorySnapshot(
        signatories=tuple(
            Signatory(name=name, country_code="FR", organisation_type="ngo") for name in names
        ),
        taken_at=timezone.now(),
    )

    with translation.override("fr"):
        [(_country, members)] = snapshot.by_country()

    assert [member.name for member in members] == [
        "Association Lire",
        "École ouverte",
        "Éditions du Sud",
        "Fondation Horizon",
    ]


def test_the_english_pdf_of_a_translated_version_holds_the_english_text_alone(
    client, publish_translated, pdf_settings
):
    publish_translated("fr", "ar", principles=2, action_lines=2)

    response = client.get("/declaration.pdf")

    assert 'filename="connectivity-for-education-v1-en.pdf"' in response["Content-Disposition"]
    pdf = download(response)
    lines = text_lines(pdf)
    text = "\n".join(lines)
    assert "Principle title 2" in text
    assert "Action line 2.2 text." in text
    assert "Content hash of the version's text (SHA-256)" in text
    assert "Page 2 of" in text
    for translated in ("Titre du principe", "Traduit", "Principe", "English text"):
        assert translated not in text, translated
    assert not shows("عنوان المبدأ 1", lines)
    assert reader(pdf).trailer["/Root"]["/Lang"] == "en"


def test_a_language_without_a_translation_gets_the_english_pdf_and_the_page_says_so(
    client, publish_translated, pdf_settings
):
    publish_translated("fr", principles=1, action_lines=1)

    response = client.get("/es/declaration.pdf")
    client.get("/fr/declaration.pdf")

    assert response.status_code == 200
    assert 'filename="connectivity-for-education-v1-en.pdf"' in response["Content-Disposition"]
    assert response["Content-Language"] == "en"
    assert "Principle title 1" in "\n".join(text_lines(download(response)))
    english = DeclarationPdf.objects.get(language="en")
    french = DeclarationPdf.objects.get(language="fr")

    spanish_page = parse_strict(client.get("/es/").content)
    link = spanish_page.find(".//a[@type='application/pdf']")
    assert link.get("href") == "/es/declaration.pdf"
    assert link.get("hreflang") == "en"
    label = "".join(spanish_page.find(".//p[@class='version-meta']").itertext())
    with translation.override("es"):
        assert f"(PDF en inglés, {filesizeformat(english.size)})" in label

    french_page = parse_strict(client.get("/fr/").content)
    link = french_page.find(".//a[@type='application/pdf']")
    assert link.get("href") == "/fr/declaration.pdf"
    assert link.get("hreflang") == "fr"
    label = "".join(french_page.find(".//p[@class='version-meta']").itertext())
    assert "anglais" not in label
    with translation.override("fr"):
        assert f"({filesizeformat(french.size)})" in label


@pytest.mark.parametrize(
    "path",
    ["/declaration.pdf", "/fr/declaration.pdf", "/ar/declaration.pdf", "/es/declaration.pdf"],
)
def test_a_stored_pdf_of_the_current_version_reads_nothing_in_every_language(
    path, client, publish_translated, pdf_settings, django_assert_num_queries
):
    publish_translated("fr", "ar", principles=1, action_lines=1)
    client.get(path)  # renders the PDF in this language once
    client.get(path)  # finds which file to send, and keeps that in the public cache

    with django_assert_num_queries(0):
        response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_publishing_a_translated_version_renders_its_pdf_in_each_language_with_one_snapshot(
    publish_translated, pdf_settings, django_capture_on_commit_callbacks
):
    pdf_settings.TASKS = IMMEDIATE_TASKS

    with django_capture_on_commit_callbacks(execute=True):
        version = publish_translated("fr", "ar", principles=1, action_lines=1)

    pdfs = DeclarationPdf.objects.filter(version=version)
    assert sorted(pdf.language for pdf in pdfs) == ["ar", "en", "fr"]
    # Each language is rendered by a task of its own, with the same signatories.
    assert len({pdf.snapshot_hash for pdf in pdfs}) == 1
    for pdf in pdfs:
        assert pdf.file.name.startswith(
            f"declarations/connectivity-for-education/v1/{pdf.language}/"
        )


def test_the_refresh_task_renders_the_languages_that_have_no_pdf_yet(
    publish_translated, pdf_settings
):
    pdf_settings.TASKS = IMMEDIATE_TASKS
    version = publish_translated("fr", "ar", principles=1, action_lines=1)
    english = render_declaration_pdf(version_id=version.pk)

    queue_pdf_refreshes(version=version)

    pdfs = DeclarationPdf.objects.filter(version=version)
    assert sorted(pdf.language for pdf in pdfs) == ["ar", "en", "fr"]
    assert pdfs.get(language="en") == english  # up to date already: not rendered again
    assert {pdf.snapshot_hash for pdf in pdfs} == {english.snapshot_hash}


def test_the_render_command_renders_each_language_once(publish, publish_translated, pdf_settings):
    publish_translated("fr", "ar", principles=1, action_lines=1)
    publish(principles=1, action_lines=1)
    out = StringIO()

    call_command("render_pdfs", stdout=out)
    call_command("render_pdfs", stdout=out)

    # Version 2 keeps the French and Arabic of what it did not change (its title and preamble),
    # so it too has a PDF in each language.
    assert "6 PDF(s) rendered, 0 already up to date." in out.getvalue()
    assert "0 PDF(s) rendered, 6 already up to date." in out.getvalue()
    assert DeclarationPdf.objects.count() == 6


def test_the_qr_code_of_a_french_pdf_leads_to_the_french_check_page_naming_that_file(
    client, publish_translated, pdf_settings
):
    publish_translated("fr", principles=1, action_lines=1)
    pdf = download(client.get("/fr/declaration.pdf"))
    client.get("/declaration.pdf")
    french = DeclarationPdf.objects.get(language="fr")
    english = DeclarationPdf.objects.get(language="en")
    address = f"/fr/verify/?version=1&snapshot={french.snapshot_hash}&language=fr"

    last_page = "".join(reader(pdf).pages[-1].extract_text().split())
    assert f"https://declaration.example.org{address}" in last_page
    assert "Langue du fichier : Français" in verdict_of(client.get(address))
    # The QR code of an English PDF carries no language, and names the English file.
    english_address = f"/verify/?version=1&snapshot={english.snapshot_hash}"
    assert "Language of the file: English" in verdict_of(client.get(english_address))
    checked = verdict_of(upload(client, pdf, path="/fr/verify/"))
    assert "Authentique : signé par ce site et non altéré" in checked
    assert "Langue du fichier : Français" in checked

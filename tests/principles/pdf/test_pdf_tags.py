"""The PDF for screen readers and checkers: names in other scripts carry their language in the
structure tree, both layouts of the signatories list everyone, and qpdf finds nothing wrong."""

import shutil
import subprocess

import pytest

from principles.pdf.annex import names_html
from principles.pdf.render import render_declaration
from principles.pdf.signatories import Signatory, name_language
from tests.principles.pdf.pdf_reading import (
    ARABIC,
    CHINESE,
    LATIN,
    make_snapshot,
    reader,
    shows,
    text_lines,
)


def structure_languages(pdf: bytes) -> list[str]:
    """The /Lang of every element of the structure tree, in the tree's order."""
    found = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif hasattr(node, "get"):
            if "/Lang" in node and node.get("/Type") == "/StructElem":
                found.append(str(node["/Lang"]))
            if "/K" in node:
                walk(node["/K"])

    walk(reader(pdf).trailer["/Root"]["/StructTreeRoot"])
    return found


def test_a_name_in_arabic_or_chinese_script_has_that_language_and_a_latin_one_none():
    assert name_language("مؤسسة الأمل للتعليم") == "ar"
    assert name_language("北京教育基金会") == "zh"
    assert name_language("東京こども財団") == "ja"
    assert name_language("Школа 21") == "ru"
    assert name_language("Fundação Escola Aberta 2") == ""


def test_arabic_and_chinese_names_carry_their_language_in_the_structure_tree(publish, pdf_settings):
    version = publish(principles=1, action_lines=1)

    pdf = render_declaration(version=version, snapshot=make_snapshot(LATIN + ARABIC + CHINESE))

    languages = structure_languages(pdf)
    assert "ar" in languages
    assert "zh" in languages
    assert reader(pdf).trailer["/Root"]["/Lang"] == "en"


def test_a_pdf_of_latin_names_tags_no_other_language(publish, pdf_settings):
    version = publish(principles=1, action_lines=1)

    pdf = render_declaration(version=version, snapshot=make_snapshot(LATIN))

    assert not {"ar", "zh"} & set(structure_languages(pdf))


def test_names_of_one_script_run_together_and_a_trust_level_ends_the_run():
    def signatory(name, **trust_level):
        return Signatory(name=name, country_code="EG", organisation_type="ngo", **trust_level)

    html = names_html(
        [
            (signatory("مؤسسة الأمل"), None),
            (signatory("شبكة المدارس", trust_level="verified"), "†"),
            (signatory("Open <Schools>"), None),
        ],
        "en",
    )

    assert html == (
        '<span lang="ar" dir="rtl">مؤسسة الأمل · شبكة المدارس†</span> '
        '<span class="trust">(Verified by the secretariat)</span>'
        ' · <span dir="ltr">Open &lt;Schools&gt;</span>'
    )


@pytest.mark.parametrize("layout", ["flowing", "rows"])
def test_either_layout_of_the_signatories_lists_every_name(layout, publish, pdf_settings):
    version = publish(principles=1, action_lines=1)
    snapshot = make_snapshot(LATIN + ARABIC + CHINESE)

    lines = text_lines(render_declaration(version=version, snapshot=snapshot, layout=layout))

    for signatory in snapshot.signatories:
        assert shows(signatory.name, lines), signatory.name
    assert "7 organisations from 5 countries" in "\n".join(lines)


def test_qpdf_finds_no_fault_in_the_signed_pdf(publish, pdf_settings, tmp_path):
    assert shutil.which("qpdf"), "qpdf is missing: `make test` installs the Debian package"
    version = publish(principles=2, action_lines=2)
    path = tmp_path / "declaration.pdf"
    path.write_bytes(render_declaration(version=version, snapshot=make_snapshot(count=30)))

    check = subprocess.run(["qpdf", "--check", path], capture_output=True, text=True)

    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors found" in check.stdout

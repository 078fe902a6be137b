"""Fixtures for the drafting workflow: a draft to work on, and translated versions (the people
with roles, and `reword`, are in tests/conftest.py)."""

import pytest


@pytest.fixture
def draft(publish, declaration, editor):
    """A draft started by `editor` from version 1 (3 principles of 3 action lines)."""
    from principles.drafting.services import start_draft

    publish(principles=3, action_lines=3)
    declaration.refresh_from_db()
    return start_draft(declaration=declaration, by=editor)


@pytest.fixture
def signed_in(client):
    """`signed_in(user)`: the test client, signed in as `user`."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


FRENCH = {
    "title": "Déclaration d'essai",
    "preamble": "Nous, les signataires, convenons.\n\nDeuxième paragraphe du préambule.",
    "principle": "Titre du principe {p}",
    "explanation": "Pourquoi le principe {p} compte.",
    "action_line": "Texte de la ligne d'action {p}.{a}.",
}
ARABIC = {
    "title": "إعلان تجريبي",
    "preamble": "\n\n".join(["نحن الموقعين نتفق على ما يلي.", "الفقرة الثانية من الديباجة."]),
    "principle": "عنوان المبدأ {p}",
    "explanation": "لماذا يهم المبدأ {p}.",
    "action_line": "نص خط العمل {p}.{a}.",
}
CHINESE = {
    "title": "测试宣言",
    "preamble": "\n\n".join(["我们签署方同意。", "序言第二段。"]),
    "principle": "原则标题 {p}",
    "explanation": "原则 {p} 为何重要。",
    "action_line": "行动方针 {p}.{a} 的文本。",
}
TRANSLATIONS = {"fr": FRENCH, "ar": ARABIC, "zh-hans": CHINESE}


def add_translation(version, language: str, text: dict) -> None:
    """Write the rows of a translation of a draft: title and preamble, every principle and
    every action line (as the translation workflow does once a translation is accepted)."""
    from principles.models import ActionLineText, PrincipleText, VersionText

    VersionText.objects.create(
        version=version, language=language, title=text["title"], preamble=text["preamble"]
    )
    for principle in version.principles.all():
        PrincipleText.objects.create(
            principle=principle,
            language=language,
            title=text["principle"].format(p=principle.position),
            explanation=text["explanation"].format(p=principle.position),
        )
        for line in principle.action_lines.all():
            ActionLineText.objects.create(
                action_line=line,
                language=language,
                text=text["action_line"].format(p=principle.position, a=line.position),
            )


@pytest.fixture
def publish_translated(declaration):
    """`publish_translated("fr", "ar", principles=2)`: publish a version of the test text with
    translations into the given languages (French, Arabic and Chinese test texts)."""
    from principles.drafting.services import create_draft_from_text, publish_loaded_draft
    from tests.conftest import declaration_text

    def publish(*languages: str, **shape):
        draft = create_draft_from_text(declaration=declaration, text=declaration_text(**shape))
        for language in languages:
            add_translation(draft, language, TRANSLATIONS[language])
        return publish_loaded_draft(draft=draft)

    return publish

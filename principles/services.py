"""Writes that span several of the declaration's models."""

from django.db import transaction

from endorsements.services import notify_endorsers_of_new_version

from .models import (
    SOURCE_LANGUAGE,
    ActionLine,
    ActionLineText,
    Declaration,
    Principle,
    PrincipleText,
    Version,
    VersionText,
)


@transaction.atomic
def create_draft_from_text(*, declaration: Declaration, text: dict) -> Version:
    """Create a draft version holding `text`, in the shape `Version.canonical_text()` returns:
    {"title", "preamble", "principles": [{"title", "explanation", "action_lines": [str]}]}."""
    version = Version.objects.create(declaration=declaration)
    VersionText.objects.create(
        version=version, language=SOURCE_LANGUAGE, title=text["title"], preamble=text["preamble"]
    )
    for principle_position, principle_text in enumerate(text["principles"], start=1):
        principle = Principle.objects.create(version=version, position=principle_position)
        PrincipleText.objects.create(
            principle=principle,
            language=SOURCE_LANGUAGE,
            title=principle_text["title"],
            explanation=principle_text.get("explanation", ""),
        )
        for line_position, line_text in enumerate(principle_text["action_lines"], start=1):
            action_line = ActionLine.objects.create(principle=principle, position=line_position)
            ActionLineText.objects.create(
                action_line=action_line, language=SOURCE_LANGUAGE, text=line_text
            )
    return version


@transaction.atomic
def publish_version(*, version: Version) -> Version:
    """Publish a draft under the declaration's next number and make it the current version.

    The declaration row is locked first, so two publishes at once are serialised: the second
    finds the version already published and fails with VersionStateError.
    """
    declaration = Declaration.objects.select_for_update().get(pk=version.declaration_id)
    version = Version.objects.select_for_update().get(pk=version.pk)
    version.publish(number=declaration.next_version_number())
    declaration.current_version = version
    declaration.save(update_fields=["current_version"])
    transaction.on_commit(lambda: notify_endorsers_of_new_version(version=version))
    return version

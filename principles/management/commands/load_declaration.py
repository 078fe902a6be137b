from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from principles.drafting.services import publish_loaded_text
from principles.drafting.shipped import (
    SHIPPED_TEXT,
    ShippedTextError,
    load_shipped_translations,
    read_shipped_text,
    read_shipped_translations,
)
from principles.models import Declaration


class Command(BaseCommand):
    help = (
        "Load the shipped text of the declaration as its first published version, and the "
        "shipped provisional translations beside it (<slug>.<language>.toml) as that version's "
        "published translations. On a site already loaded, adds only the shipped translations "
        "of languages the current version has none in, and only if its English is the shipped "
        "English, so it is safe to run on every start."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", type=Path, default=SHIPPED_TEXT, help="TOML file with the English text."
        )

    def handle(self, *args, file: Path, **options):
        try:
            english = read_shipped_text(file)
            translations = read_shipped_translations(file, english=english)
        except ShippedTextError as error:
            raise CommandError(str(error)) from error
        with transaction.atomic():
            version = self.load_text(english)
            outcomes = load_shipped_translations(
                version=version, english=english, translations=translations
            )
        for outcome in outcomes:
            if outcome.loaded:
                self.stdout.write(f"Loaded the provisional {outcome.language} translation.")
            else:
                self.stdout.write(f"Left {outcome.language} alone: {outcome.reason}.")
        loaded = sum(outcome.loaded for outcome in outcomes)
        self.stdout.write(
            self.style.SUCCESS(
                f"Translations: {loaded} loaded, {len(outcomes) - loaded} left alone."
            )
        )

    def load_text(self, text: dict):
        """The declaration's current version: the shipped English, published now if the
        declaration has no published version yet."""
        declaration, _ = Declaration.objects.select_for_update().get_or_create(slug=text["slug"])
        if declaration.current_version_id:
            self.stdout.write(
                f"Declaration {declaration.slug!r} already has a published version "
                f"(v{declaration.current_version.number}); nothing loaded from its English file."
            )
            return declaration.current_version
        version = publish_loaded_text(declaration=declaration, text=text)
        principles = len(text["principles"])
        action_lines = sum(len(principle["action_lines"]) for principle in text["principles"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {declaration.slug!r} v{version.number}: "
                f"{principles} principles, {action_lines} action lines."
            )
        )
        return version

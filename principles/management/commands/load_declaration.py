import tomllib
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from principles.drafting.services import publish_loaded_text
from principles.models import Declaration

SHIPPED_TEXT = (
    Path(__file__).resolve().parents[2] / "shipped" / "connectivity-for-education.en.toml"
)


def read_shipped_text(path: Path) -> dict:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        "slug": data["slug"],
        "title": data["title"].strip(),
        "preamble": data["preamble"].strip(),
        "principles": [
            {
                "title": principle["title"].strip(),
                "explanation": principle.get("explanation", "").strip(),
                "action_lines": [line.strip() for line in principle["action_lines"]],
            }
            for principle in data["principles"]
        ],
    }


class Command(BaseCommand):
    help = (
        "Load the shipped text of the declaration as its first published version. "
        "Does nothing when the declaration already has a published version, so it is safe to "
        "run on every start."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", type=Path, default=SHIPPED_TEXT, help="TOML file with the text to load."
        )

    @transaction.atomic
    def handle(self, *args, file: Path, **options):
        text = read_shipped_text(file)
        declaration, _ = Declaration.objects.select_for_update().get_or_create(slug=text["slug"])
        if declaration.current_version_id:
            self.stdout.write(
                f"Declaration {declaration.slug!r} already has a published version "
                f"(v{declaration.current_version.number}); nothing loaded."
            )
            return
        version = publish_loaded_text(declaration=declaration, text=text)
        principles = len(text["principles"])
        action_lines = sum(len(principle["action_lines"]) for principle in text["principles"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {declaration.slug!r} v{version.number}: "
                f"{principles} principles, {action_lines} action lines."
            )
        )

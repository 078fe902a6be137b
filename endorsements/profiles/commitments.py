"""An endorser's commitments as its page shows them: in the current version's wording, grouped
by principle, in the reader's language; the lines the current version no longer has named
apart, in the wording of the version that had them."""

from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Prefetch
from django.utils.translation import get_language

from principles.models import (
    SOURCE_LANGUAGE,
    ActionLineText,
    Principle,
    PrincipleText,
    Version,
)


@dataclass
class Commitments:
    version: Version | None
    by_principle: list[tuple[Principle, list]] = field(default_factory=list)
    no_longer_in_version: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.by_principle or self.no_longer_in_version)


def texts_in_reader_language(model) -> Prefetch:
    languages = {get_language() or SOURCE_LANGUAGE, SOURCE_LANGUAGE}
    return Prefetch("texts", queryset=model.objects.filter(language__in=languages))


def commitments_on_page(endorser) -> Commitments:
    """In at most seven queries, whatever the number of lines."""
    current = Version.objects.current().first() or endorser.latest_version
    lines = endorser.commitments_in(current).prefetch_related(
        texts_in_reader_language(ActionLineText),
        Prefetch(
            "principle",
            queryset=Principle.objects.prefetch_related(texts_in_reader_language(PrincipleText)),
        ),
    )
    missing = endorser.commitments_missing_from(current).prefetch_related(
        texts_in_reader_language(ActionLineText)
    )
    return Commitments(
        version=current,
        by_principle=[
            (principle, list(grouped))
            for principle, grouped in groupby(list(lines), key=lambda line: line.principle)
        ],
        no_longer_in_version=list(missing.select_related("principle__version")),
    )

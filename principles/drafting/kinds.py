"""What is reviewed in the drafting workspace, a draft of the text or a translation, and what
the review pages shared by both need to know of each: its rows, its addresses, how an item is
restored. The URLconf hands the kind to those views."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet

from ..models import Translation, Version
from . import services, translation_services


@dataclass(frozen=True)
class Kind:
    # "draft" or "translation": also the name templates know it by.
    name: str
    # What its pages show, in any state; what its state changes and restores act on.
    shown: Callable[[], QuerySet]
    changeable: Callable[[], QuerySet]
    # The field of its revisions that holds the whole text: the history lists them without it.
    revision_text: str
    # URL names of its page, its history, the comparison of two revisions, a restore, a new
    # comment thread.
    detail: str
    history: str
    compare: str
    restore: str
    comment: str
    # restore_item(reviewed, revision=, item_key=, by=): the kind's service.
    restore_item: Callable


DRAFT = Kind(
    name="draft",
    shown=lambda: Version.objects.prefetch_related("texts"),
    # A published draft is a version: its review pages are gone (404).
    changeable=lambda: Version.objects.in_progress(),
    revision_text="snapshot",
    detail="drafting:draft",
    history="drafting:history",
    compare="drafting:compare-revisions",
    restore="drafting:restore",
    comment="drafting:comment",
    restore_item=lambda reviewed, **kwargs: services.restore_item(draft=reviewed, **kwargs),
)

TRANSLATION = Kind(
    name="translation",
    shown=lambda: Translation.objects.select_related("version"),
    changeable=lambda: Translation.objects.select_related("version"),
    revision_text="text",
    detail="drafting:translation",
    history="drafting:translation-history",
    compare="drafting:translation-compare",
    restore="drafting:translation-restore",
    comment="drafting:translation-comment",
    restore_item=lambda reviewed, **kwargs: translation_services.restore_translated_item(
        translation=reviewed, **kwargs
    ),
)

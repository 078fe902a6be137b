"""The items of a version (its principles, and the action lines under each) and their text.

Structure (what exists, in which order) and text (what it says, in which language) are kept
apart: every item has one text row per language, so a version can carry translations beside its
English source text. Each principle and action line also carries a `key` that stays the same
when a draft is copied from a published version, so that later versions can be compared item
by item.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .immutability import VersionContent, VersionContentQuerySet
from .plain_text import PlainCharField, PlainTextField

SOURCE_LANGUAGE = settings.LANGUAGE_CODE


class TextInActiveLanguage:
    """Gives `item.text`: its text row in the active language, else in the source language.
    A row whose translation is being updated (`outdated`) is not the item's text: readers see
    the source text, and the row as `earlier_translation`."""

    @cached_property
    def text(self):
        by_language = {text.language: text for text in self.texts.all()}
        translated = by_language.get(get_language())
        if translated is not None and not translated.outdated:
            return translated
        return by_language.get(SOURCE_LANGUAGE)

    @cached_property
    def earlier_translation(self):
        """The row in the active language that translates an earlier source text of this
        item, kept while its translation is updated; None otherwise."""
        return next(
            (row for row in self.texts.all() if row.language == get_language() and row.outdated),
            None,
        )

    @property
    def source_text(self):
        """The text row in the source language: what editors edit."""
        return next((text for text in self.texts.all() if text.language == SOURCE_LANGUAGE), None)


def unique_among_siblings(*, parent: str, kind: str) -> list[models.UniqueConstraint]:
    """A principle's or action line's position, and its key, are unique among the items of
    its `parent`: the reading order has no ties and comparisons find each item by its key."""
    return [
        models.UniqueConstraint(fields=[parent, "position"], name=f"unique_{kind}_position"),
        models.UniqueConstraint(fields=[parent, "key"], name=f"unique_{kind}_key"),
    ]


def one_text_per_language(*, owner: str) -> models.UniqueConstraint:
    """An item has at most one text row in each language."""
    return models.UniqueConstraint(
        fields=[owner, "language"], name=f"one_{owner}_text_per_language"
    )


def language_field():
    return models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=SOURCE_LANGUAGE
    )


class Standing(models.TextChoices):
    """Whether a translation is official; the text readers see in a language carries the
    standing of the translation that wrote it."""

    OFFICIAL = "official", _("Official")
    PROVISIONAL = "provisional", _("Provisional")


def outdated_field():
    return models.BooleanField(
        _("being updated"),
        default=False,
        help_text=_(
            "A translation of an earlier source text of this item, kept when a new version was "
            "published: readers see the source text, with this as the earlier translation."
        ),
    )


class VersionText(VersionContent):
    is_text = True

    version = models.ForeignKey(
        "Version", verbose_name=_("version"), on_delete=models.CASCADE, related_name="texts"
    )
    language = language_field()
    title = PlainCharField(_("title"), max_length=300)
    preamble = PlainTextField(_("preamble"))
    standing = models.CharField(
        _("standing"),
        max_length=20,
        choices=Standing.choices,
        blank=True,
        help_text=_("For a translation: whether it is official. Empty for the source text."),
    )
    outdated = outdated_field()
    translation_of = models.ForeignKey(
        "Version",
        verbose_name=_("translation of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "For a translation being updated to this version: the version it translates. "
            "Empty once this version's translation is published."
        ),
    )

    class Meta:
        verbose_name = _("version text")
        verbose_name_plural = _("version texts")
        constraints = [one_text_per_language(owner="version")]

    def __str__(self):
        return self.title


class Principle(TextInActiveLanguage, VersionContent):
    version = models.ForeignKey(
        "Version", verbose_name=_("version"), on_delete=models.CASCADE, related_name="principles"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    key = models.UUIDField(_("key"), default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("principle")
        verbose_name_plural = _("principles")
        ordering = ["position"]
        constraints = unique_among_siblings(parent="version", kind="principle")

    def __str__(self):
        return f"{self.version}, principle {self.position}"


class PrincipleText(VersionContent):
    version_path = "principle__version"
    is_text = True

    principle = models.ForeignKey(
        Principle, verbose_name=_("principle"), on_delete=models.CASCADE, related_name="texts"
    )
    language = language_field()
    title = PlainCharField(_("title"), max_length=300)
    explanation = PlainTextField(_("explanation"), blank=True)
    outdated = outdated_field()

    class Meta:
        verbose_name = _("principle text")
        verbose_name_plural = _("principle texts")
        constraints = [one_text_per_language(owner="principle")]

    def __str__(self):
        return self.title


class ActionLineQuerySet(VersionContentQuerySet):
    def in_version(self, version):
        """The action lines of `version`, under all its principles."""
        return self.filter(principle__version=version)


class ActionLine(TextInActiveLanguage, VersionContent):
    version_path = "principle__version"

    principle = models.ForeignKey(
        Principle,
        verbose_name=_("principle"),
        on_delete=models.CASCADE,
        related_name="action_lines",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    key = models.UUIDField(_("key"), default=uuid.uuid4, editable=False)

    objects = ActionLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("action line")
        verbose_name_plural = _("action lines")
        ordering = ["position"]
        constraints = unique_among_siblings(parent="principle", kind="action_line")

    def __str__(self):
        return f"{self.principle}, action line {self.position}"


class ActionLineText(VersionContent):
    version_path = "action_line__principle__version"
    is_text = True

    action_line = models.ForeignKey(
        ActionLine, verbose_name=_("action line"), on_delete=models.CASCADE, related_name="texts"
    )
    language = language_field()
    text = PlainTextField(_("text"))
    outdated = outdated_field()

    class Meta:
        verbose_name = _("action line text")
        verbose_name_plural = _("action line texts")
        constraints = [one_text_per_language(owner="action_line")]

    def __str__(self):
        return self.text[:80]

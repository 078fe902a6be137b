"""Translations of a published version, drafted and reviewed like the source text."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .history import Revision
from .immutability import AppendOnly
from .items import SOURCE_LANGUAGE, Standing
from .review import ReviewQuerySet, ReviewState, VersionStateError, review_constraints
from .text import Version


class TranslationQuerySet(ReviewQuerySet):
    def of(self, version: Version, language: str):
        return self.filter(version=version, language=language)


def translation_languages():
    return [(code, name) for code, name in settings.LANGUAGES if code != SOURCE_LANGUAGE]


class Translation(ReviewState):
    """The text of one published version in one other language, drafted and reviewed under the
    same rules as the source text: every save is a revision, a reviewer approves it (not one of
    its translators), a publisher publishes it. Publishing writes its text into the version's
    rows for that language, which is what readers see; a later translation of the same version
    and language replaces them, and every published one stays here as history.

    `text` maps item keys ("version" for the title and preamble) to the item's fields; an
    item without an entry is not translated yet."""

    version = models.ForeignKey(
        Version,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="translations",
    )
    language = models.CharField(_("language"), max_length=10, choices=translation_languages())
    standing = models.CharField(
        _("standing"), max_length=20, choices=Standing.choices, default=Standing.PROVISIONAL
    )
    text = models.JSONField(_("translated text"), default=dict)
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    review_note = models.TextField(
        _("reviewer's note"),
        blank=True,
        help_text=_("Why a reviewer sent the translation back; cleared when it is resubmitted."),
    )

    objects = TranslationQuerySet.as_manager()

    class Meta:
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        ordering = ["language", "-created_at"]
        constraints = [
            *review_constraints(one_in_review_per=["version", "language"]),
            # Translators share one translation per language: at most one is in progress.
            models.UniqueConstraint(
                fields=["version", "language"],
                condition=~Q(status=ReviewState.Status.PUBLISHED),
                name="one_translation_in_progress_per_version_and_language",
            ),
        ]

    def __str__(self):
        return f"{self.version}, {self.get_language_display()} ({self.get_status_display()})"

    def source(self) -> dict:
        """The version's source text with each item's key (`Version.snapshot()`)."""
        return self.version.snapshot()

    def snapshot(self, source: dict | None = None, text: dict | None = None) -> dict:
        """This translation (or `text`, the translated text at one of its revisions) in the
        shape of `Version.snapshot()`, following the source text's structure; an item not
        translated yet has empty fields."""
        source = source or self.source()
        text = self.text if text is None else text
        version_text = text.get(Revision.VERSION_TEXT_KEY, {})
        return {
            "title": version_text.get("title", ""),
            "preamble": version_text.get("preamble", ""),
            "principles": [
                {
                    "key": principle["key"],
                    "title": text.get(principle["key"], {}).get("title", ""),
                    "explanation": text.get(principle["key"], {}).get("explanation", ""),
                    "action_lines": [
                        {"key": line["key"], "text": text.get(line["key"], {}).get("text", "")}
                        for line in principle["action_lines"]
                    ],
                }
                for principle in source["principles"]
            ],
        }

    @property
    def text_language(self) -> str:
        return self.language

    def revision_content(self) -> dict:
        """What a revision of this translation keeps besides who, when and why."""
        return {"text": self.text, "standing": self.standing}

    def snapshots_at(self, *revisions) -> list[dict]:
        """The translation at each of `revisions`, in the shape of `Version.snapshot()`."""
        source = self.source()
        return [self.snapshot(source, revision.text) for revision in revisions]

    def missing_items(self, source: dict | None = None) -> list[str]:
        """Keys of the items whose required text is not translated yet, in reading order."""
        source = source or self.source()
        missing = []
        version_text = self.text.get(Revision.VERSION_TEXT_KEY, {})
        if not (version_text.get("title") and version_text.get("preamble")):
            missing.append(Revision.VERSION_TEXT_KEY)
        for principle in source["principles"]:
            translated = self.text.get(principle["key"], {})
            if not translated.get("title") or (
                principle["explanation"] and not translated.get("explanation")
            ):
                missing.append(principle["key"])
            missing.extend(
                line["key"]
                for line in principle["action_lines"]
                if not self.text.get(line["key"], {}).get("text")
            )
        return missing

    def submit(self) -> None:
        """Send a complete translation to the reviewers, clearing the last reviewer's note."""
        missing = self.missing_items()
        if missing:
            raise VersionStateError(
                _("Translate every item before submitting: %(count)s still missing.")
                % {"count": len(missing)}
            )
        super().submit(review_note="")

    def publish_loaded(self, *, by) -> None:
        """Publish, unreviewed, a translation that the loader wrote from a shipped file in the
        name of `by`, its account, and that nobody else touched: the loader's publication
        (`drafting.review.publish_loaded_translation`), never review's."""
        if self.status != self.Status.DRAFT:
            raise VersionStateError(f"{self} is not a translation in progress.")
        if self.authors().exclude(pk=by.pk).exists():
            raise VersionStateError(f"{self} was edited in the workspace; it must be reviewed.")
        if self.missing_items():
            raise VersionStateError(f"{self} does not translate every item.")
        self._mark_published()

    def send_back(self, *, note: str) -> None:
        """Return a translation under review to its translators with `note`."""
        super().send_back(review_note=note)


class TranslationRevision(AppendOnly):
    """One save in a translation, with the whole translated text after it. Only ever added."""

    class Action(models.TextChoices):
        START = "start", _("Started the translation")
        EDIT = "edit", _("Edited")
        STANDING = "standing", _("Changed the standing")
        RESTORE = "restore", _("Restored")

    # PROTECT: a translation with revisions is never deleted, as its revisions never are.
    translation = models.ForeignKey(
        Translation,
        verbose_name=_("translation"),
        on_delete=models.PROTECT,
        related_name="revisions",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="translation_revisions",
    )
    created_at = models.DateTimeField(_("saved at"), default=timezone.now)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    item_key = models.CharField(_("item"), max_length=36, blank=True)
    summary = models.CharField(_("what changed"), max_length=300)
    note = models.CharField(_("change note"), max_length=300, blank=True)
    text = models.JSONField(_("translated text after this revision"))
    standing = models.CharField(_("standing"), max_length=20, choices=Standing.choices)

    class Meta:
        verbose_name = _("translation revision")
        verbose_name_plural = _("translation revisions")
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["translation", "item_key"], name="translation_revision_item_idx")
        ]

    def __str__(self):
        return f"{self.translation}, revision {self.pk}"

    def item_text(self, item_key: str) -> dict | None:
        """The translation of the item at this revision, or None when it had none."""
        return self.text.get(item_key)

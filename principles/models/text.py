"""The declaration's text: a Declaration has Versions; a Version holds ordered Principles, each
holding ordered ActionLines.

Structure (what exists, in which order) and text (what it says, in which language) are kept
apart: every item has one text row per language, so a version can carry translations beside its
English source text. Each principle and action line also carries a `key` that stays the same
when a draft is copied from a published version, so that later versions can be compared item
by item.
"""

import hashlib
import json
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .immutability import (
    FrozenOncePublished,
    FrozenOncePublishedQuerySet,
    VersionContent,
)

SOURCE_LANGUAGE = settings.LANGUAGE_CODE


class VersionStateError(Exception):
    """Raised when a version is asked to change state from a state that does not allow it."""


class Declaration(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    current_version = models.ForeignKey(
        "Version",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")

    def __str__(self):
        return self.slug

    def next_version_number(self) -> int:
        latest = self.versions.published().aggregate(latest=models.Max("number"))["latest"]
        return (latest or 0) + 1


class VersionQuerySet(FrozenOncePublishedQuerySet):
    def published(self):
        return self.filter(status=Version.Status.PUBLISHED)

    def in_progress(self):
        """Drafts that are not published yet, in any state of review."""
        return self.exclude(status=Version.Status.PUBLISHED)

    def due_for_publication(self, now=None):
        """Approved drafts whose scheduled publication time has come."""
        return self.filter(status=Version.Status.APPROVED, publish_at__lte=now or timezone.now())

    def published_of(self, declaration_slug: str):
        """The published versions of the declaration named by `declaration_slug`."""
        return self.published().filter(declaration__slug=declaration_slug)

    def current(self, declaration_slug: str):
        """The version that the declaration named by `declaration_slug` shows as current."""
        return self.published().filter(
            declaration__slug=declaration_slug, declaration__current_version=F("pk")
        )

    def with_text(self, language: str | None = None):
        """Fetch everything a reader sees in a constant number of queries.

        Only the texts in `language` (the active one by default) and in the source language are
        loaded; `text` on each item then picks the first that exists.
        """
        languages = {language or get_language() or SOURCE_LANGUAGE, SOURCE_LANGUAGE}

        def texts(model):
            return Prefetch("texts", queryset=model.objects.filter(language__in=languages))

        action_lines = ActionLine.objects.prefetch_related(texts(ActionLineText))
        principles = Principle.objects.prefetch_related(
            texts(PrincipleText), Prefetch("action_lines", queryset=action_lines)
        )
        return self.select_related("declaration").prefetch_related(
            texts(VersionText), Prefetch("principles", queryset=principles)
        )

    def with_stored_pdf(self):
        """Versions of which a PDF is stored, in any language."""
        from .pdfs import DeclarationPdf  # pdfs.py imports this module

        return self.filter(Exists(DeclarationPdf.objects.filter(version=OuterRef("pk"))))

    def with_pdf_language(self, language: str | None = None):
        """Annotate `pdf_language`: the language of the PDF that a reader of `language` (the
        active one by default) gets: `language` itself when the version has a translation in
        it, else the source language."""
        language = language or get_language() or SOURCE_LANGUAGE
        translated = Exists(VersionText.objects.filter(version=OuterRef("pk"), language=language))
        return self.annotate(
            pdf_language=Case(
                When(translated, then=Value(language)), default=Value(SOURCE_LANGUAGE)
            )
        )

    def with_pdf_size(self, language: str | None = None):
        """`with_pdf_language()`, and `pdf_size`: bytes of the newest stored PDF of each version
        in that language that downloads get (None if there is none yet)."""
        from .pdfs import DeclarationPdf  # pdfs.py imports this module

        newest = DeclarationPdf.objects.filter(
            version=OuterRef("pk"), language=OuterRef("pdf_language")
        ).order_by("-last_matched_at")
        return self.with_pdf_language(language).annotate(
            pdf_size=Subquery(newest.values("size")[:1])
        )


class TextInActiveLanguage:
    """Gives `item.text`: its text row in the active language, else in the source language."""

    @cached_property
    def text(self):
        by_language = {text.language: text for text in self.texts.all()}
        return by_language.get(get_language()) or by_language.get(SOURCE_LANGUAGE)

    @property
    def source_text(self):
        """The text row in the source language: what editors edit."""
        return next((text for text in self.texts.all() if text.language == SOURCE_LANGUAGE), None)


class Version(TextInActiveLanguage, FrozenOncePublished):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")

    declaration = models.ForeignKey(
        Declaration,
        verbose_name=_("declaration"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    number = models.PositiveIntegerField(
        _("version number"),
        null=True,
        blank=True,
        help_text=_("Given when the version is published."),
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    content_hash = models.CharField(
        _("content hash"),
        max_length=64,
        blank=True,
        help_text=_("SHA-256 of the source-language text, fixed at publication."),
    )
    publish_at = models.DateTimeField(
        _("scheduled publication"),
        null=True,
        blank=True,
        help_text=_("When an approved draft is to be published by the scheduled command."),
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scheduled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = VersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["declaration", "-number", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "number"], name="unique_version_number_per_declaration"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        status__in=["draft", "submitted", "approved"],
                        number__isnull=True,
                        published_at__isnull=True,
                    )
                    | Q(status="published", number__isnull=False, published_at__isnull=False)
                ),
                name="version_number_and_date_iff_published",
            ),
            models.UniqueConstraint(
                fields=["declaration"],
                condition=Q(status__in=["submitted", "approved"]),
                name="one_draft_in_review_per_declaration",
            ),
        ]
        permissions = [
            ("edit_draft", _("Can start and edit drafts")),
            ("review_draft", _("Can approve drafts or send them back")),
            ("publish_draft", _("Can publish approved drafts")),
            ("view_audit_log", _("Can read the drafting audit log")),
        ]

    def __str__(self):
        if self.number:
            return f"{self.declaration} v{self.number}"
        return f"{self.declaration} draft {self.pk}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def snapshot(self) -> dict:
        """The source-language text with each item's key: what revisions store and comparisons
        read. Same shape as `canonical_text()`, plus "key" on principles and action lines."""
        version = Version.objects.with_text(SOURCE_LANGUAGE).get(pk=self.pk)
        return version.snapshot_of_loaded_text()

    def snapshot_of_loaded_text(self) -> dict:
        """`snapshot()` of a version already fetched with `with_text()`: no further queries."""
        return {
            "title": self.text.title if self.text else "",
            "preamble": self.text.preamble if self.text else "",
            "principles": [
                {
                    "key": str(principle.key),
                    "title": principle.text.title,
                    "explanation": principle.text.explanation,
                    "action_lines": [
                        {"key": str(line.key), "text": line.text.text}
                        for line in principle.action_lines.all()
                    ],
                }
                for principle in self.principles.all()
            ],
        }

    def translated_languages(self) -> list[str]:
        """The languages other than the source that this version has a translation in, in the
        order of settings.LANGUAGES."""
        stored = set(
            self.texts.exclude(language=SOURCE_LANGUAGE).values_list("language", flat=True)
        )
        return [code for code, _name in settings.LANGUAGES if code in stored]

    def pdf_languages(self) -> list[str]:
        """The languages this version's PDF exists in: the source and every translation."""
        return [SOURCE_LANGUAGE, *self.translated_languages()]

    def authors(self):
        """Everyone who has saved a revision of this draft, its starter included."""
        return get_user_model().objects.filter(revisions__version=self).distinct()

    def ensure_editable(self) -> None:
        if self.is_editable:
            return
        if self.is_published:
            raise VersionStateError(
                _(
                    "This draft has been published as version %(number)s; only a draft in "
                    "progress can be edited."
                )
                % {"number": self.number}
            )
        if self.publish_at is not None:
            raise VersionStateError(
                _(
                    "This draft is approved and scheduled for publication; only a draft in "
                    "progress can be edited."
                )
            )
        raise VersionStateError(
            _("This draft is %(status)s; only a draft in progress can be edited.")
            % {"status": self.get_status_display().lower()}
        )

    def submit(self) -> None:
        """Send a draft in progress to the reviewers."""
        self._change_status(self.Status.DRAFT, self.Status.SUBMITTED)

    def approve(self, *, by) -> None:
        """Approve a submitted draft. Four eyes: no author of the draft may approve it."""
        if self.authors().filter(pk=by.pk).exists():
            raise VersionStateError(
                _("You have edited this draft, so another reviewer must approve it.")
            )
        self._change_status(self.Status.SUBMITTED, self.Status.APPROVED)

    def send_back(self) -> None:
        """Return a submitted or approved draft to its editors, cancelling any schedule."""
        if self.status not in {self.Status.SUBMITTED, self.Status.APPROVED}:
            raise VersionStateError(_("Only a draft under review can be sent back."))
        self.status = self.Status.DRAFT
        self.publish_at = None
        self.scheduled_by = None
        self.save(update_fields=["status", "publish_at", "scheduled_by"])

    def schedule(self, *, at, by) -> None:
        """Have the `publish_scheduled` command publish this approved draft at `at`."""
        if self.status != self.Status.APPROVED:
            raise VersionStateError(_("Only an approved draft can be scheduled."))
        self.publish_at = at
        self.scheduled_by = by
        self.save(update_fields=["publish_at", "scheduled_by"])

    def _change_status(self, expected: str, new: str) -> None:
        if self.status != expected:
            raise VersionStateError(
                _('This draft is in the state "%(status)s", so it cannot be %(action)s.')
                % {
                    "status": self.get_status_display().lower(),
                    "action": self.Status(new).label.lower(),
                }
            )
        self.status = new
        self.save(update_fields=["status"])

    def canonical_text(self) -> dict:
        """The source-language text as plain data, in reading order: what the hash covers."""
        version = Version.objects.with_text(SOURCE_LANGUAGE).get(pk=self.pk)
        return {
            "title": version.text.title,
            "preamble": version.text.preamble,
            "principles": [
                {
                    "title": principle.text.title,
                    "explanation": principle.text.explanation,
                    "action_lines": [line.text.text for line in principle.action_lines.all()],
                }
                for principle in version.principles.all()
            ],
        }

    def compute_content_hash(self) -> str:
        canonical = json.dumps(self.canonical_text(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def publish(self, *, number: int) -> None:
        """Fix the text and give it its number. Use `services.publish_version`, which also
        makes the version current."""
        if self.is_published:
            raise VersionStateError(f"{self} is already published.")
        if self.status == self.Status.SUBMITTED:
            raise VersionStateError(f"{self} is awaiting review; approve it before publishing.")
        if not self.principles.exists():
            raise VersionStateError("A version without principles cannot be published.")
        self.content_hash = self.compute_content_hash()
        self.status = self.Status.PUBLISHED
        self.number = number
        self.published_at = timezone.now()
        self.save(update_fields=["content_hash", "status", "number", "published_at"])


def language_field():
    return models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=SOURCE_LANGUAGE
    )


class VersionText(VersionContent):
    is_text = True

    version = models.ForeignKey(
        Version, verbose_name=_("version"), on_delete=models.CASCADE, related_name="texts"
    )
    language = language_field()
    title = models.CharField(_("title"), max_length=300)
    preamble = models.TextField(_("preamble"))
    standing = models.CharField(
        _("standing"),
        max_length=20,
        choices=[("official", _("Official")), ("provisional", _("Provisional"))],
        blank=True,
        help_text=_("For a translation: whether it is official. Empty for the source text."),
    )

    class Meta:
        verbose_name = _("version text")
        verbose_name_plural = _("version texts")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "language"], name="one_version_text_per_language"
            )
        ]

    def __str__(self):
        return self.title

    def owning_version(self) -> Version:
        return self.version


class Principle(TextInActiveLanguage, VersionContent):
    version = models.ForeignKey(
        Version, verbose_name=_("version"), on_delete=models.CASCADE, related_name="principles"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    key = models.UUIDField(_("key"), default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("principle")
        verbose_name_plural = _("principles")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="unique_principle_position"
            ),
            models.UniqueConstraint(fields=["version", "key"], name="unique_principle_key"),
        ]

    def __str__(self):
        return f"{self.version}, principle {self.position}"

    def owning_version(self) -> Version:
        return self.version


class PrincipleText(VersionContent):
    version_path = "principle__version"
    is_text = True

    principle = models.ForeignKey(
        Principle, verbose_name=_("principle"), on_delete=models.CASCADE, related_name="texts"
    )
    language = language_field()
    title = models.CharField(_("title"), max_length=300)
    explanation = models.TextField(_("explanation"), blank=True)

    class Meta:
        verbose_name = _("principle text")
        verbose_name_plural = _("principle texts")
        constraints = [
            models.UniqueConstraint(
                fields=["principle", "language"], name="one_principle_text_per_language"
            )
        ]

    def __str__(self):
        return self.title

    def owning_version(self) -> Version:
        return self.principle.version


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

    class Meta:
        verbose_name = _("action line")
        verbose_name_plural = _("action lines")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["principle", "position"], name="unique_action_line_position"
            ),
            models.UniqueConstraint(fields=["principle", "key"], name="unique_action_line_key"),
        ]

    def __str__(self):
        return f"{self.principle}, action line {self.position}"

    def owning_version(self) -> Version:
        return self.principle.version


class ActionLineText(VersionContent):
    version_path = "action_line__principle__version"
    is_text = True

    action_line = models.ForeignKey(
        ActionLine, verbose_name=_("action line"), on_delete=models.CASCADE, related_name="texts"
    )
    language = language_field()
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("action line text")
        verbose_name_plural = _("action line texts")
        constraints = [
            models.UniqueConstraint(
                fields=["action_line", "language"], name="one_action_line_text_per_language"
            )
        ]

    def __str__(self):
        return self.text[:80]

    def owning_version(self) -> Version:
        return self.action_line.principle.version

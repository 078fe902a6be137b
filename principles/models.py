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
from django.db import models
from django.db.models import F, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

SOURCE_LANGUAGE = settings.LANGUAGE_CODE


class PublishedVersionIsImmutable(Exception):
    """Raised on any attempt to change the text or structure of a published version."""


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


class VersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Version.Status.PUBLISHED)

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

    def with_pdf_size(self):
        """Annotate `pdf_size`: bytes of the newest stored PDF of each version (None if none)."""
        newest = DeclarationPdf.objects.filter(version=OuterRef("pk")).order_by("-rendered_at")
        return self.annotate(pdf_size=Subquery(newest.values("size")[:1]))


class TextInActiveLanguage:
    """Gives `item.text`: its text row in the active language, else in the source language."""

    @property
    def text(self):
        by_language = {text.language: text for text in self.texts.all()}
        return by_language.get(get_language()) or by_language.get(SOURCE_LANGUAGE)


class Version(TextInActiveLanguage, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
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
                    Q(status="draft", number__isnull=True, published_at__isnull=True)
                    | Q(status="published", number__isnull=False, published_at__isnull=False)
                ),
                name="version_number_and_date_iff_published",
            ),
        ]

    def __str__(self):
        if self.number:
            return f"{self.declaration} v{self.number}"
        return f"{self.declaration} draft {self.pk}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

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
        if not self.principles.exists():
            raise VersionStateError("A version without principles cannot be published.")
        self.content_hash = self.compute_content_hash()
        self.status = self.Status.PUBLISHED
        self.number = number
        self.published_at = timezone.now()
        self.save(update_fields=["content_hash", "status", "number", "published_at"])


class VersionContent(models.Model):
    """Anything that belongs to a version's text, and so is frozen once it is published."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._refuse_if_published()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_published()
        return super().delete(*args, **kwargs)

    def owning_version(self) -> Version:
        raise NotImplementedError

    def _refuse_if_published(self):
        if self.owning_version().is_published:
            raise PublishedVersionIsImmutable(
                f"{self.owning_version()} is published; start a new draft to change it."
            )


def language_field():
    return models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=SOURCE_LANGUAGE
    )


class VersionText(VersionContent):
    version = models.ForeignKey(
        Version, verbose_name=_("version"), on_delete=models.CASCADE, related_name="texts"
    )
    language = language_field()
    title = models.CharField(_("title"), max_length=300)
    preamble = models.TextField(_("preamble"))

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


def declaration_pdf_path(pdf: "DeclarationPdf", filename: str) -> str:
    version = pdf.version
    return f"declarations/{version.declaration.slug}/v{version.number}/{pdf.snapshot_hash}.pdf"


class DeclarationPdf(models.Model):
    """The signed PDF of a published version with one snapshot of its signatories.

    Rendered once for each (version, snapshot) and kept in the default storage; a new snapshot
    adds a row, and the newest row of a version is served until a fresher one is ready.
    """

    version = models.ForeignKey(
        Version, verbose_name=_("version"), on_delete=models.PROTECT, related_name="pdfs"
    )
    snapshot_hash = models.CharField(
        _("snapshot hash"),
        max_length=64,
        help_text=_("SHA-256 of the list of signatories that the PDF carries."),
    )
    signatory_count = models.PositiveIntegerField(_("number of signatories"))
    snapshot_taken_at = models.DateTimeField(_("snapshot taken at"))
    file = models.FileField(_("file"), upload_to=declaration_pdf_path, max_length=300)
    size = models.PositiveIntegerField(_("size in bytes"))
    rendered_at = models.DateTimeField(_("rendered at"), default=timezone.now)

    class Meta:
        verbose_name = _("declaration PDF")
        verbose_name_plural = _("declaration PDFs")
        get_latest_by = "rendered_at"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "snapshot_hash"], name="one_pdf_per_version_and_snapshot"
            )
        ]

    def __str__(self):
        return f"{self.version} PDF, {self.signatory_count} signatories"

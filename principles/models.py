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
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.functional import cached_property
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


class Version(TextInActiveLanguage, models.Model):
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


class RevisionIsImmutable(Exception):
    """Raised on any attempt to change or delete a recorded revision."""


class AppendOnly(models.Model):
    """A row that is only ever added: never changed, never deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RevisionIsImmutable("A revision is never changed; record a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RevisionIsImmutable("A revision is never deleted.")


class Revision(AppendOnly):
    """One save in a draft: who, when, what changed and why, with the whole text after it.

    Revisions are only ever added. Keeping the full text of each one lets any two revisions be
    compared, and any item be restored to what it said at any revision."""

    class Action(models.TextChoices):
        START = "start", _("Started the draft")
        EDIT = "edit", _("Edited")
        ADD = "add", _("Added")
        REMOVE = "remove", _("Removed")
        REORDER = "reorder", _("Reordered")
        RESTORE = "restore", _("Restored")

    VERSION_TEXT_KEY = "version"

    version = models.ForeignKey(
        Version, verbose_name=_("version"), on_delete=models.CASCADE, related_name="revisions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="revisions",
    )
    created_at = models.DateTimeField(_("saved at"), default=timezone.now)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    item_key = models.CharField(
        _("item"),
        max_length=36,
        blank=True,
        help_text=_(
            'The key of the changed principle or action line, "version" for the title '
            "and preamble, empty for the whole draft."
        ),
    )
    summary = models.CharField(_("what changed"), max_length=300)
    note = models.CharField(_("change note"), max_length=300, blank=True)
    snapshot = models.JSONField(_("text after this revision"))

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["version", "item_key"], name="revision_item_idx")]

    def __str__(self):
        return f"{self.version}, revision {self.pk}"

    def item_text(self, item_key: str) -> dict | None:
        """What the item said at this revision, or None when it did not exist."""
        if item_key == self.VERSION_TEXT_KEY:
            return {"title": self.snapshot["title"], "preamble": self.snapshot["preamble"]}
        for principle in self.snapshot["principles"]:
            if principle["key"] == item_key:
                return {"title": principle["title"], "explanation": principle["explanation"]}
            for line in principle["action_lines"]:
                if line["key"] == item_key:
                    return {"text": line["text"]}
        return None


class ReviewComment(models.Model):
    """A reviewer's comment on one item of a draft they sent back."""

    version = models.ForeignKey(
        Version, verbose_name=_("version"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT
    )
    item_key = models.CharField(_("item"), max_length=36)
    text = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.text[:80]


class AuditEntryQuerySet(models.QuerySet):
    def for_reading(self):
        return self.select_related("actor", "version")

    def drafting(self):
        """The drafting workflow's entries: those about a draft or version."""
        return self.filter(version__isnull=False)

    def about(self, target: models.Model):
        return self.filter(
            target_type=ContentType.objects.get_for_model(target), target_id=target.pk
        )

    def log(self, *, actor, action: str, target: models.Model, detail: str = "") -> "AuditEntry":
        """Record that `actor` did `action` (a namespaced code, "endorsement.approve") to
        `target`. Call it inside the transaction that made the change."""
        return self.create(
            actor=actor,
            action=action,
            target_type=ContentType.objects.get_for_model(target),
            target_id=target.pk,
            target_label=str(target)[:200],
            detail=detail[:300],
        )


class AuditEntry(models.Model):
    """One action by a person, for those responsible to read back: the site's one audit log.

    Drafting entries name their draft in `version` (and its filters rely on it); every other
    subsystem names what it acted on by a generic target and writes a namespaced action code,
    `<subject>.<verb>`, through `AuditEntry.objects.log`. The drafting codes predate the
    namespaces and are kept as they are stored.
    """

    class Action(models.TextChoices):
        START = "start", _("Started a draft")
        EDIT = "edit", _("Edited")
        RESTORE = "restore", _("Restored")
        SUBMIT = "submit", _("Submitted for review")
        SEND_BACK = "send_back", _("Sent back")
        APPROVE = "approve", _("Approved")
        SCHEDULE = "schedule", _("Scheduled publication")
        PUBLISH = "publish", _("Published")
        ENDORSEMENT_APPROVE = "endorsement.approve", _("Approved an endorsement")
        ENDORSEMENT_REJECT = "endorsement.reject", _("Rejected an endorsement")
        ENDORSEMENT_SPAM = "endorsement.spam", _("Marked an endorsement as spam")
        ENDORSEMENT_REVOKE = "endorsement.revoke", _("Revoked the approval of an endorsement")

    version = models.ForeignKey(
        Version,
        verbose_name=_("draft"),
        on_delete=models.PROTECT,
        related_name="audit_entries",
        null=True,
        blank=True,
    )
    target_type = models.ForeignKey(
        ContentType,
        verbose_name=_("kind of target"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    target_id = models.PositiveBigIntegerField(_("target id"), null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    # What the target was called when this happened: it reads the same after the target changes.
    target_label = models.CharField(_("target"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()}"


def declaration_pdf_path(pdf: "DeclarationPdf", filename: str) -> str:
    version = pdf.version
    folder = f"declarations/{version.declaration.slug}/v{version.number}/{pdf.language}"
    return f"{folder}/{pdf.snapshot_hash}.pdf"


class DeclarationPdf(models.Model):
    """The signed PDF of a published version, in one language, with one snapshot of its
    signatories.

    Rendered once for each (version, language, snapshot) and kept in the default storage; a new
    snapshot adds a row. Downloads in a language serve the row whose signatories a snapshot
    found last (`last_matched_at`) until a fresher one is ready, without reading the
    signatories. The PDF exists in the source language and in each language the version has a
    translation in; every language carries the same snapshot.
    """

    version = models.ForeignKey(
        Version, verbose_name=_("version"), on_delete=models.PROTECT, related_name="pdfs"
    )
    language = language_field()
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
    last_matched_at = models.DateTimeField(
        _("signatories last matched at"),
        help_text=_(
            "When a snapshot of the version's signatories last found exactly those of this PDF."
        ),
    )

    class Meta:
        verbose_name = _("declaration PDF")
        verbose_name_plural = _("declaration PDFs")
        get_latest_by = "last_matched_at"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "language", "snapshot_hash"],
                name="one_pdf_per_version_language_and_snapshot",
            )
        ]
        indexes = [
            models.Index(fields=["version", "-last_matched_at"], name="declaration_pdf_newest_idx")
        ]

    def __str__(self):
        return f"{self.version} PDF ({self.language}), {self.signatory_count} signatories"


class TranslationQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Translation.Status.PUBLISHED)

    def in_progress(self):
        return self.exclude(status=Translation.Status.PUBLISHED)

    def of(self, version: Version, language: str):
        return self.filter(version=version, language=language)


def translation_languages():
    return [(code, name) for code, name in settings.LANGUAGES if code != SOURCE_LANGUAGE]


class Translation(models.Model):
    """The text of one published version in one other language, drafted and reviewed under the
    same rules as the source text: every save is a revision, a reviewer approves it (not one of
    its translators), a publisher publishes it. Publishing writes its text into the version's
    rows for that language, which is what readers see; a later translation of the same version
    and language replaces them, and every published one stays here as history.

    `text` maps item keys ("version" for the title and preamble) to the item's fields; an
    item without an entry is not translated yet."""

    # The same states as a draft of the source text.
    Status = Version.Status

    class Standing(models.TextChoices):
        OFFICIAL = "official", _("Official")
        PROVISIONAL = "provisional", _("Provisional")

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
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    text = models.JSONField(_("translated text"), default=dict)
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
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
            models.UniqueConstraint(
                fields=["version", "language"],
                condition=~Q(status="published"),
                name="one_translation_in_progress_per_version_and_language",
            ),
            models.CheckConstraint(
                condition=Q(status="published", published_at__isnull=False)
                | (~Q(status="published") & Q(published_at__isnull=True)),
                name="translation_published_at_iff_published",
            ),
        ]

    def __str__(self):
        return f"{self.version}, {self.get_language_display()} ({self.get_status_display()})"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def ensure_editable(self) -> None:
        if not self.is_editable:
            raise VersionStateError(
                _("This translation is %(status)s; only a translation in progress can be edited.")
                % {"status": self.get_status_display().lower()}
            )

    def authors(self):
        """Everyone who has saved a revision of this translation, its starter included."""
        return get_user_model().objects.filter(translation_revisions__translation=self).distinct()

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
        self.review_note = ""
        self._change_status(self.Status.DRAFT, self.Status.SUBMITTED, also=["review_note"])

    def approve(self, *, by) -> None:
        """Four eyes: no translator of this translation may approve it."""
        if self.authors().filter(pk=by.pk).exists():
            raise VersionStateError(
                _("You have worked on this translation, so another reviewer must approve it.")
            )
        self._change_status(self.Status.SUBMITTED, self.Status.APPROVED)

    def send_back(self, *, note: str) -> None:
        if self.status not in {self.Status.SUBMITTED, self.Status.APPROVED}:
            raise VersionStateError(_("Only a translation under review can be sent back."))
        self.status = self.Status.DRAFT
        self.review_note = note
        self.save(update_fields=["status", "review_note"])

    def mark_published(self) -> None:
        """Use `translation_services.publish_translation`, which also writes the text where
        readers see it."""
        self.published_at = timezone.now()
        self._change_status(self.Status.APPROVED, self.Status.PUBLISHED, also=["published_at"])

    def _change_status(self, expected: str, new: str, *, also: list[str] = ()) -> None:
        if self.status != expected:
            raise VersionStateError(
                _('This translation is in the state "%(status)s", so it cannot be %(action)s.')
                % {
                    "status": self.get_status_display().lower(),
                    "action": self.Status(new).label.lower(),
                }
            )
        self.status = new
        self.save(update_fields=["status", *also])


class TranslationRevision(AppendOnly):
    """One save in a translation, with the whole translated text after it. Only ever added."""

    class Action(models.TextChoices):
        START = "start", _("Started the translation")
        EDIT = "edit", _("Edited")
        STANDING = "standing", _("Changed the standing")
        RESTORE = "restore", _("Restored")

    translation = models.ForeignKey(
        Translation,
        verbose_name=_("translation"),
        on_delete=models.CASCADE,
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
    standing = models.CharField(_("standing"), max_length=20, choices=Translation.Standing.choices)

    class Meta:
        verbose_name = _("translation revision")
        verbose_name_plural = _("translation revisions")
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["translation", "item_key"], name="translation_revision_item_idx")
        ]

    def __str__(self):
        return f"{self.translation}, revision {self.pk}"

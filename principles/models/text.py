"""The declaration and its versions: a Declaration has Versions, drafted, reviewed and
published one after another; a Version holds ordered Principles, each holding ordered
ActionLines, with their text in each language (`items`).
"""

import hashlib
import json

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .immutability import (
    FrozenOncePublished,
    FrozenOncePublishedQuerySet,
)
from .items import (
    SOURCE_LANGUAGE,
    ActionLine,
    ActionLineText,
    Principle,
    PrincipleText,
    TextInActiveLanguage,
    VersionText,
)
from .review import ReviewQuerySet, ReviewState, VersionStateError, review_constraints


def content_hash(text: dict) -> str:
    """SHA-256 of a text in the shape of `Version.canonical_text()`: a version's content hash,
    and what a text from elsewhere (the shipped file) is compared with it by."""
    canonical = json.dumps(text, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


class DeclarationQuerySet(models.QuerySet):
    def served(self):
        """The declaration this site serves, named by settings.DECLARATION_SLUG: one row, or
        none before it is loaded. Every read of "the declaration" starts here."""
        return self.filter(slug=settings.DECLARATION_SLUG)

    def get_or_create_served(self) -> "Declaration":
        """The declaration `served()` names, created with no version where it is missing (a
        command that seeds an empty database)."""
        return self.get_or_create(slug=settings.DECLARATION_SLUG)[0]


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

    objects = DeclarationQuerySet.as_manager()

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")

    def __str__(self):
        return self.slug

    def next_version_number(self) -> int:
        latest = self.versions.published().aggregate(latest=models.Max("number"))["latest"]
        return (latest or 0) + 1


class VersionQuerySet(ReviewQuerySet, FrozenOncePublishedQuerySet):
    def served(self):
        """The versions of the declaration this site serves (`Declaration.objects.served()`)."""
        return self.filter(declaration__in=Declaration.objects.served())

    def current(self):
        """The version that the declaration this site serves shows as current."""
        return self.served().published().filter(declaration__current_version=F("pk"))

    def listing_endorsers_of(self, version_ids):
        """The published versions whose PDF lists endorsers of the versions `version_ids`:
        each of those and every later version of its declaration."""
        endorsed = Version.objects.filter(pk__in=version_ids)
        return self.published().filter(
            Exists(
                endorsed.filter(declaration=OuterRef("declaration"), number__lte=OuterRef("number"))
            )
        )

    def with_text(self, language: str | None = None):
        """Fetch everything a reader sees in a constant number of queries.

        Only the texts in `language` (the active one by default) and in the source language are
        loaded; `text` on each item then picks the first that exists.
        """
        languages = {language or get_language() or SOURCE_LANGUAGE, SOURCE_LANGUAGE}

        def texts(model):
            rows = model.objects.filter(language__in=languages)
            if model is VersionText:
                rows = rows.select_related("translation_of")
            return Prefetch("texts", queryset=rows)

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
        ).newest_first()
        return self.with_pdf_language(language).annotate(
            pdf_size=Subquery(newest.values("size")[:1])
        )


class AnotherDraftInReview(VersionStateError):
    """Submitting is refused while another draft of the declaration is in review: only one
    draft is reviewed at a time. `draft` is that one, so that the refusal can link to it."""

    def __init__(self, draft: "Version"):
        super().__init__(
            _(
                "Another draft (draft %(pk)s, %(status)s) is already in review; wait for "
                "its outcome."
            )
            % {"pk": draft.pk, "status": draft.get_status_display().lower()}
        )
        self.draft = draft


class Version(TextInActiveLanguage, ReviewState, FrozenOncePublished):
    """One version of the declaration's text: a draft in review until it is published under
    the next number, then frozen."""

    declaration = models.ForeignKey(
        Declaration,
        verbose_name=_("declaration"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveIntegerField(
        _("version number"),
        null=True,
        blank=True,
        help_text=_("Given when the version is published."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
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
        help_text=_("When the task worker is to publish this approved draft."),
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scheduled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    change_note = models.TextField(
        _("change note"),
        blank=True,
        help_text=_("What changed, for readers: shown on the version page and the comparison."),
    )
    is_correction = models.BooleanField(
        _("editorial correction"),
        default=False,
        help_text=_(
            "Published as a correction of the version before it: its endorsers count as "
            "endorsing this one, and nobody is asked to reconfirm."
        ),
    )
    # Endorsements of this version number or a later one count as endorsing this version:
    # null means its own number; a correction carries the number of the version it corrects
    # (`counts_endorsers_from`). Fixed at publication, so that counting needs no lookup.
    endorsers_from_number = models.PositiveIntegerField(
        _("counts endorsers from version"), null=True, blank=True
    )

    objects = VersionQuerySet.as_manager()

    # Editors edit the source text; translations are `Translation`s.
    text_language = SOURCE_LANGUAGE

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["declaration", "-number", "-created_at"]
        constraints = [
            *review_constraints(one_in_review_per=["declaration"]),
            models.UniqueConstraint(
                fields=["declaration", "number"], name="unique_version_number_per_declaration"
            ),
            models.CheckConstraint(
                condition=Q(status=ReviewState.Status.PUBLISHED, number__isnull=False)
                | (~Q(status=ReviewState.Status.PUBLISHED) & Q(number__isnull=True)),
                name="version_number_iff_published",
            ),
        ]
        permissions = [
            ("edit_draft", _("Can start and edit drafts")),
            ("review_draft", _("Can approve drafts or send them back")),
            ("publish_draft", _("Can publish approved drafts")),
            ("view_audit_log", _("Can read the audit log")),
        ]

    def __str__(self):
        if self.number:
            return f"{self.declaration} v{self.number}"
        return f"{self.declaration} draft {self.pk}"

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

    def revision_content(self) -> dict:
        """What a revision of this draft keeps besides who, when and why."""
        return {"snapshot": self.snapshot()}

    def snapshots_at(self, *revisions) -> list[dict]:
        """The text at each of `revisions`, in the shape of `snapshot()`."""
        return [revision.snapshot for revision in revisions]

    @cached_property
    def reader_text(self):
        """The title-and-preamble row in the active language when it is not the source, up to
        date or being updated: it carries the standing of the language's text and, while it is
        being updated, the version it is a translation of. None when the version has none."""
        if get_language() == SOURCE_LANGUAGE:
            return None
        return next((row for row in self.texts.all() if row.language == get_language()), None)

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

    def why_not_editable(self) -> str:
        if self.is_published:
            return _(
                "This draft has been published as version %(number)s; only a draft in "
                "progress can be edited."
            ) % {"number": self.number}
        if self.publish_at is not None:
            return _(
                "This draft is approved and scheduled for publication; only a draft in "
                "progress can be edited."
            )
        return super().why_not_editable()

    @property
    def counts_endorsers_from(self) -> int:
        """The lowest version number whose endorsers count as endorsing this published
        version: its own, or for an editorial correction that of the version it corrects (and
        so on down a chain of corrections)."""
        return self.endorsers_from_number or self.number

    @property
    def is_superseded(self) -> bool:
        """Whether this draft was started from a version that is no longer the current one."""
        return bool(self.based_on_id) and (self.based_on_id != self.declaration.current_version_id)

    def refuse_if_superseded(self) -> None:
        """A draft started from an older version would silently undo the newer version's
        changes: it must be rebased onto the current version (or discarded) first."""
        if self.is_superseded:
            raise VersionStateError(
                _(
                    "This draft was started from version %(based_on)s, but version "
                    "%(current)s has been published since. Rebase it onto version "
                    "%(current)s (its changes are kept, item by item) or discard it."
                )
                % {
                    "based_on": self.based_on.number,
                    "current": self.declaration.current_version.number,
                }
            )

    def submit(self) -> None:
        """Send a draft in progress to the reviewers: one draft of a declaration at a time,
        and only one based on the current version."""
        self.refuse_if_superseded()
        in_review = Version.objects.in_review().filter(declaration=self.declaration_id)
        other = in_review.exclude(pk=self.pk).first()
        if other is not None:
            raise AnotherDraftInReview(other)
        super().submit()

    def approve(self, *, by) -> None:
        """Four eyes (`ReviewState`), and only a draft based on the current version."""
        self.refuse_if_superseded()
        super().approve(by=by)

    def send_back(self) -> None:
        """Return a draft under review to its editors, cancelling any schedule."""
        super().send_back(publish_at=None, scheduled_by=None)

    def refuse_unless_publishable(self, *, by) -> None:
        """Four eyes and approval (`ReviewState`), and the draft must still be based on the
        declaration's current version."""
        super().refuse_unless_publishable(by=by)
        self.refuse_if_superseded()
        self.refuse_while_consulted()

    def refuse_while_consulted(self) -> None:
        """A draft under consultation stays a draft: published, it could take no amendment,
        and its contributors would never hear what came of it."""
        if self.consultations.filter(status="open").exists():
            raise VersionStateError(_("A consultation on this draft is open: close it first."))

    def publish(self, *, by, correction: bool = False, change_note: str = "") -> None:
        """Publish it under the next number with its `change_note`; as an editorial
        `correction` of the current version, whose endorsers then count as endorsing it."""
        self.refuse_unless_publishable(by=by)
        change_note = change_note.strip()
        corrected = self.declaration.current_version if correction else None
        if correction and (corrected is None or not change_note):
            raise VersionStateError(
                _("An editorial correction corrects the current version and needs a change note.")
            )
        self._mark_published(
            change_note=change_note,
            is_correction=correction,
            endorsers_from_number=corrected.counts_endorsers_from if corrected else None,
        )

    def rebase_onto(self, version: "Version") -> None:
        """Base this draft in progress on `version`, the current one, once its text has been
        merged onto it (`drafting.rebase`)."""
        self.ensure_editable()
        self._set(based_on=version)

    def discard(self) -> None:
        """Give up on this draft, cancelling any schedule: it leaves the list of drafts, and
        its history stays."""
        self.refuse_while_consulted()
        super().discard(publish_at=None, scheduled_by=None)

    def schedule(self, *, at, by) -> None:
        """Have the task worker publish this approved draft at `at`, in the name of `by`, who
        could publish it now (`drafting.review.schedule`). A new time replaces the old one."""
        self.refuse_unless_publishable(by=by)
        self._set(publish_at=at, scheduled_by=by)

    def unschedule(self) -> None:
        """Cancel the scheduled publication: the draft stays approved, to be published now or
        scheduled again."""
        if self.status != self.Status.APPROVED or self.publish_at is None:
            raise VersionStateError(_("This draft is not scheduled for publication."))
        self._set(publish_at=None, scheduled_by=None)

    def is_scheduled_for(self, at) -> bool:
        """Whether this draft is still approved and to be published at `at`: what the task
        queued for `at` checks before it publishes."""
        return self.status == self.Status.APPROVED and self.publish_at == at

    @property
    def is_overdue(self) -> bool:
        """Scheduled, still approved, and its time has passed: the task worker did not publish
        it (it was not running, or the publication was refused)."""
        return (
            self.status == self.Status.APPROVED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    def publish_loaded(self) -> None:
        """Publish a draft loaded from a file (`create_draft_from_text`), which nobody edited
        in the workspace, with no review: the loader's publication, never review's. Use
        `drafting.services.publish_loaded_draft`, which also makes it current."""
        if self.is_published:
            raise VersionStateError(f"{self} is already published.")
        if self.status != self.Status.DRAFT or self.revisions.exists():
            raise VersionStateError(f"{self} was edited in the workspace; it must be reviewed.")
        self._mark_published()

    def publication_fields(self) -> dict:
        """Fix the text by its hash and give it the declaration's next number."""
        if not self.principles.exists():
            raise VersionStateError("A version without principles cannot be published.")
        return {
            "content_hash": self.compute_content_hash(),
            "number": self.declaration.next_version_number(),
        }

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
        """SHA-256 of `canonical_text()`, over the text as stored. Text is normalised when it
        is written (`plain_text`), so the hash of a version depends on its words only; versions
        published before that rule keep the text they were stored with, and recomputing this
        over their rows still gives the hash they were published with."""
        return content_hash(self.canonical_text())

"""The review workflow that drafts of the text (`Version`) and translations (`Translation`)
share, as Wagtail's `DraftStateMixin` serves every page type: the states, the guarded
transitions between them, the four-eyes rule and the database constraints that hold them.

    draft ──submit──▶ submitted ──approve──▶ approved ──publish──▶ published
      ▲                   │                     │
      └──── send back ────┴─────────────────────┘
    (any state but published) ──discard──▶ discarded

A discarded draft or translation is kept, with its revisions (they are only ever added), but
it leaves the lists of work in progress and can no longer change.

Every save while in `draft` is a revision (`revisions`, whose authors are the thing's
authors). No author may approve it or publish it. Once published it never changes.
"""

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class VersionStateError(Exception):
    """Raised when a draft or translation is asked to do what its state does not allow."""


# What the workflow says when it refuses, by reason and then by the kind reviewed (its model
# name), in words that name the kind ("this draft"). `%(status)s` is the current state;
# `%(action)s` the state that was asked for. Publishing from another state than approved says
# "publish", or "change" for a kind without its own words.
REFUSALS = {
    "edit": {
        "version": _("This draft is %(status)s; only a draft in progress can be edited."),
        "translation": _(
            "This translation is %(status)s; only a translation in progress can be edited."
        ),
    },
    "change": {
        "version": _('This draft is in the state "%(status)s", so it cannot be %(action)s.'),
        "translation": _(
            'This translation is in the state "%(status)s", so it cannot be %(action)s.'
        ),
    },
    "publish": {
        "version": _("This draft is %(status)s; only an approved draft can be published."),
    },
    "discard": {
        "version": _("This draft is %(status)s, so it cannot be discarded."),
        "translation": _("This translation is %(status)s, so it cannot be discarded."),
    },
    "send_back": {
        "version": _("Only a draft under review can be sent back."),
        "translation": _("Only a translation under review can be sent back."),
    },
    "approve_own": {
        "version": _("You have edited this draft, so another reviewer must approve it."),
        "translation": _(
            "You have worked on this translation, so another reviewer must approve it."
        ),
    },
    "publish_own": {
        "version": _("You have edited this draft, so another publisher must publish it."),
        "translation": _(
            "You have worked on this translation, so another publisher must publish it."
        ),
    },
}


class ReviewState(models.Model):
    """The state of something reviewed, and its guarded transitions. Each kind provides
    `revisions` (a reverse relation whose rows have an `author`, an `item_key` and
    `item_text()`), `revision_content()`, `snapshots_at()` and `text_language`; what it says
    when it refuses is in `REFUSALS`."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")
        DISCARDED = "discarded", _("Discarded")

    IN_REVIEW = (Status.SUBMITTED, Status.APPROVED)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # The published version or translation a draft was copied from, if any.
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def authors(self):
        """Everyone who has saved a revision of it, its starter included."""
        return get_user_model().objects.filter(pk__in=self.revisions.values("author"))

    def ensure_editable(self) -> None:
        if not self.is_editable:
            raise VersionStateError(self.why_not_editable())

    def why_not_editable(self) -> str:
        return self.refusal("edit") % {"status": self.get_status_display().lower()}

    def submit(self, **changes) -> None:
        """Send it to the reviewers."""
        self._change_status(self.Status.DRAFT, self.Status.SUBMITTED, **changes)

    def approve(self, *, by) -> None:
        """Four eyes: none of its authors may approve it."""
        if self.authors().filter(pk=by.pk).exists():
            raise VersionStateError(self.refusal("approve_own"))
        self._change_status(self.Status.SUBMITTED, self.Status.APPROVED)

    def send_back(self, **changes) -> None:
        """Return it from review to its authors."""
        if self.status not in self.IN_REVIEW:
            raise VersionStateError(self.refusal("send_back"))
        self._set(status=self.Status.DRAFT, **changes)

    def refuse_unless_publishable(self, *, by) -> None:
        """Four eyes: none of its authors may publish it, and only once it is approved."""
        if self.authors().filter(pk=by.pk).exists():
            raise VersionStateError(self.refusal("publish_own"))
        if self.status != self.Status.APPROVED:
            refusal = self.refusal("publish", otherwise="change")
            raise VersionStateError(refusal % self._describe(self.Status.PUBLISHED))

    def publish(self, *, by) -> None:
        """Publish it in the name of `by`, a publisher who is not one of its authors. What
        publication does besides is the kind's own (`drafting.review.publish`)."""
        self.refuse_unless_publishable(by=by)
        self._mark_published()

    def discard(self, **changes) -> None:
        """Give up on it: anything not published may be discarded, and then never changes."""
        if self.status in (self.Status.PUBLISHED, self.Status.DISCARDED):
            raise VersionStateError(self.refusal("discard") % self._describe(self.Status.DISCARDED))
        self._set(status=self.Status.DISCARDED, **changes)

    def publication_fields(self) -> dict:
        """What else a kind fixes at publication, as {field: value}."""
        return {}

    def refusal(self, reason: str, otherwise: str = "") -> str:
        """The words of `REFUSALS[reason]` for this kind, or of `otherwise` when it has none."""
        words = REFUSALS[reason].get(self._meta.model_name)
        return words if words is not None else REFUSALS[otherwise][self._meta.model_name]

    def _mark_published(self, **fields) -> None:
        """Mark it published, with what `publication_fields()` fixes and the caller's `fields`
        (a version's change note and whether it is a correction)."""
        self._set(
            status=self.Status.PUBLISHED,
            published_at=timezone.now(),
            **self.publication_fields(),
            **fields,
        )

    def _change_status(self, expected: str, new: str, **changes) -> None:
        if self.status != expected:
            raise VersionStateError(self.refusal("change") % self._describe(new))
        self._set(status=new, **changes)

    def _describe(self, new: str) -> dict:
        return {
            "status": self.get_status_display().lower(),
            "action": self.Status(new).label.lower(),
        }

    def _set(self, **values) -> None:
        for name, value in values.items():
            setattr(self, name, value)
        self.save(update_fields=list(values))


def review_constraints(*, one_in_review_per: list[str]) -> list[models.BaseConstraint]:
    """The workflow's invariants for a reviewed model's Meta, named after the model
    (`version_one_in_review`…): at most one in review per `one_in_review_per`, and a known
    state with a publication date exactly when published."""
    status = ReviewState.Status
    return [
        models.UniqueConstraint(
            fields=one_in_review_per,
            condition=Q(status__in=ReviewState.IN_REVIEW),
            name="%(class)s_one_in_review",
        ),
        models.CheckConstraint(
            condition=Q(
                status__in=[status.DRAFT, status.SUBMITTED, status.APPROVED, status.DISCARDED],
                published_at__isnull=True,
            )
            | Q(status=status.PUBLISHED, published_at__isnull=False),
            name="%(class)s_published_at_iff_published",
        ),
    ]


class ReviewQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ReviewState.Status.PUBLISHED)

    def in_progress(self):
        """Not published yet, in any state of review, and not discarded."""
        return self.exclude(status__in=[ReviewState.Status.PUBLISHED, ReviewState.Status.DISCARDED])

    def in_review(self):
        return self.filter(status__in=ReviewState.IN_REVIEW)

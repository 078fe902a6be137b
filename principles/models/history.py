"""What happened to the text: revisions of drafts, reviewers' comments and the audit log."""

import functools
import operator

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .immutability import AppendOnly, AppendOnlyQuerySet
from .review import VersionStateError
from .text import Version


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
        REBASE = "rebase", _("Rebased")

    VERSION_TEXT_KEY = "version"

    # PROTECT: a draft with revisions is never deleted, as its revisions never are.
    version = models.ForeignKey(
        Version, verbose_name=_("version"), on_delete=models.PROTECT, related_name="revisions"
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


class ReviewCommentQuerySet(models.QuerySet):
    def on(self, reviewed):
        """The comments on a draft (`Version`) or a translation."""
        return self.filter(**{reviewed._meta.model_name: reviewed})

    def threads(self):
        """The comments that start a thread, each with its answers and people, in order."""
        return (
            self.filter(parent=None)
            .select_related("author", "resolved_by")
            .prefetch_related(
                models.Prefetch("replies", queryset=ReviewComment.objects.select_related("author"))
            )
        )

    def unresolved(self):
        return self.filter(parent=None, resolved_at=None)


class ReviewComment(models.Model):
    """A comment by an editor or a reviewer on one item of a draft or a translation, at any
    stage before publication. A comment without a parent starts a thread; the others answer
    it. A thread is resolved as a whole: it then folds away but stays readable.

    A comment belongs to exactly one draft (`version`) or translation: two foreign keys
    rather than a generic relation, so that the comments of one are read with a join and
    disappear with it."""

    version = models.ForeignKey(
        Version,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="comments",
        null=True,
        blank=True,
    )
    translation = models.ForeignKey(
        "principles.Translation",
        verbose_name=_("translation"),
        on_delete=models.CASCADE,
        related_name="comments",
        null=True,
        blank=True,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("answers"),
        on_delete=models.CASCADE,
        related_name="replies",
        null=True,
        blank=True,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT
    )
    item_key = models.CharField(_("item"), max_length=36)
    text = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = ReviewCommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(version__isnull=False, translation__isnull=True)
                | models.Q(version__isnull=True, translation__isnull=False),
                name="review_comment_on_a_draft_or_a_translation",
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True, resolved_by__isnull=True)
                | models.Q(
                    parent__isnull=True, resolved_at__isnull=False, resolved_by__isnull=False
                ),
                name="review_comment_thread_resolved_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["version", "item_key"], name="review_comment_item_idx")]

    def __str__(self):
        return self.text[:80]

    @property
    def reviewed(self):
        """The draft or translation commented on."""
        return self.version if self.version_id else self.translation

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    def resolve(self, *, by) -> None:
        """Resolve the open thread this comment starts."""
        if self.parent_id is not None or self.is_resolved:
            raise VersionStateError(_("This thread is already resolved."))
        self.resolved_by, self.resolved_at = by, timezone.now()
        self.save(update_fields=["resolved_by", "resolved_at"])


class AuditEntryQuerySet(AppendOnlyQuerySet):
    def for_reading(self):
        return self.select_related("actor")

    def of_subsystem(self, subsystem: str):
        """The entries of one subsystem ("drafting", "translation", "moderation",
        "consultation")."""
        return self.filter(
            functools.reduce(
                operator.or_,
                (
                    Q(action__startswith=f"{subject}.")
                    for subject in AuditEntry.SUBSYSTEMS[subsystem]
                ),
            )
        )

    def target_ids(self, model: type[models.Model]):
        """The ids of the `model` rows these entries are about, as a subquery."""
        return self.filter(target_type=ContentType.objects.get_for_model(model)).values("target_id")

    def about(self, target: models.Model):
        return self.filter(
            target_type=ContentType.objects.get_for_model(target), target_id=target.pk
        )

    def log(self, *, actor, action: str, target: models.Model, detail: str = "") -> "AuditEntry":
        """Record that `actor` did `action` (a namespaced code, "endorsement.approve") to
        `target`. Call it inside the transaction that made the change."""
        with translation.override(settings.LANGUAGE_CODE):
            label = str(target)
        return self.create(
            actor=actor,
            action=action,
            target_type=ContentType.objects.get_for_model(target),
            target_id=target.pk,
            target_label=label[:200],
            detail=detail[:300],
        )


class AuditEntry(AppendOnly):
    """One action by a person, for those responsible to read back: the site's one audit log.

    Every entry names what it acted on by a generic target (a draft or version, a translation,
    an endorsement) and what was done by a namespaced code, `<subject>.<verb>`; every subsystem
    writes it through `AuditEntry.objects.log`. A generic target rather than a foreign key per
    kind keeps the dependency between the apps one way: endorsements are logged here without
    `principles` knowing the Endorsement model.
    """

    class Action(models.TextChoices):
        DRAFT_START = "draft.start", _("Started a draft")
        DRAFT_EDIT = "draft.edit", _("Edited")
        DRAFT_RESTORE = "draft.restore", _("Restored")
        DRAFT_SUBMIT = "draft.submit", _("Submitted for review")
        DRAFT_SEND_BACK = "draft.send_back", _("Sent back")
        DRAFT_APPROVE = "draft.approve", _("Approved")
        DRAFT_SCHEDULE = "draft.schedule", _("Scheduled publication")
        DRAFT_UNSCHEDULE = "draft.unschedule", _("Cancelled the scheduled publication")
        DRAFT_PUBLISH = "draft.publish", _("Published")
        DRAFT_PUBLISH_ON_SCHEDULE = "draft.publish_on_schedule", _("Published on schedule")
        DRAFT_REBASE = "draft.rebase", _("Rebased onto the current version")
        DRAFT_DISCARD = "draft.discard", _("Discarded")
        TRANSLATION_START = "translation.start", _("Started the translation")
        TRANSLATION_EDIT = "translation.edit", _("Edited")
        TRANSLATION_RESTORE = "translation.restore", _("Restored")
        TRANSLATION_STANDING = "translation.standing", _("Changed the standing")
        TRANSLATION_SUBMIT = "translation.submit", _("Submitted for review")
        TRANSLATION_SEND_BACK = "translation.send_back", _("Sent back")
        TRANSLATION_APPROVE = "translation.approve", _("Approved")
        TRANSLATION_PUBLISH = "translation.publish", _("Published")
        ENDORSEMENT_APPROVE = "endorsement.approve", _("Approved an endorsement")
        ENDORSEMENT_REJECT = "endorsement.reject", _("Rejected an endorsement")
        ENDORSEMENT_SPAM = "endorsement.spam", _("Marked an endorsement as spam")
        ENDORSEMENT_REVOKE = "endorsement.revoke", _("Revoked the approval of an endorsement")
        ENDORSEMENT_VERIFY = "endorsement.verify", _("Verified an endorser")
        ENDORSEMENT_UNVERIFY = "endorsement.unverify", _("Withdrew the verification of an endorser")
        ENDORSEMENT_UNDO = "endorsement.undo", _("Undid a bulk decision on endorsements")
        ENDORSEMENT_CHANGE_APPROVE = "endorsement.change_approve", _("Approved a change")
        ENDORSEMENT_CHANGE_REJECT = "endorsement.change_reject", _("Declined a change")
        CONSULTATION_OPEN = "consultation.open", _("Opened a consultation")
        CONSULTATION_SCHEDULE = "consultation.schedule", _("Set the dates of a consultation")
        CONSULTATION_CLOSE = "consultation.close", _("Closed a consultation")
        CONSULTATION_INVITE = "consultation.invite", _("Invited an organisation")
        CONTRIBUTION_APPROVE = "contribution.approve", _("Approved a consultation contribution")
        CONTRIBUTION_REJECT = "contribution.reject", _("Rejected a consultation contribution")
        CONTRIBUTION_SPAM = "contribution.spam", _("Marked a consultation contribution as spam")
        AMENDMENT_ACCEPT = "amendment.accept", _("Accepted an amendment")
        AMENDMENT_MERGE = "amendment.merge", _("Accepted an amendment with changes")
        AMENDMENT_DECLINE = "amendment.decline", _("Declined an amendment")

    # Each subsystem, as readers filter the log, to the subjects its action codes begin with.
    SUBSYSTEMS = {
        "drafting": ["draft"],
        "translation": ["translation"],
        "moderation": ["endorsement"],
        "consultation": ["consultation", "contribution", "amendment"],
    }

    target_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of target"), on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(_("target id"))
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

    @property
    def subject(self) -> str:
        """What kind of thing was acted on: "draft", "translation" or "endorsement"."""
        return self.action.partition(".")[0]

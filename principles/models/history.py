"""What happened to the text: revisions of drafts, reviewers' comments and the audit log."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .immutability import AppendOnly, AppendOnlyQuerySet
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


class AuditEntryQuerySet(AppendOnlyQuerySet):
    def for_reading(self):
        return self.select_related("actor")

    def of_subsystem(self, subsystem: str):
        """The entries of one subsystem ("drafting", "translation", "moderation")."""
        return self.filter(action__startswith=f"{AuditEntry.SUBSYSTEMS[subsystem]}.")

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
        DRAFT_PUBLISH = "draft.publish", _("Published")
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

    # Each subsystem, as readers filter the log, to the subject its action codes begin with.
    SUBSYSTEMS = {"drafting": "draft", "translation": "translation", "moderation": "endorsement"}

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

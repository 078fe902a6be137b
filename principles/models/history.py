"""What happened to the text: revisions of drafts, reviewers' comments and the audit log."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
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


class AuditEntry(AppendOnly):
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

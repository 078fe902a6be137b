"""Drafting in the open: a draft opened for consultation, the organisations invited to an
advisory round, and what participants send (comments and amendments, tied to a clause by its
key, so that a contribution keeps pointing at the same principle or action line in every later
revision and version)."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from declaration_site.countries import EndorsementCountries
from declaration_site.organisations import OrganisationType

from .history import Revision
from .items import language_field
from .text import Version


class ConsultationStateError(Exception):
    """A consultation or a contribution was asked to change from a state that does not allow
    it (opening one that is already open, approving a withdrawn comment…)."""


def _require(obj, *statuses, action: str) -> None:
    if obj.status not in statuses:
        raise ConsultationStateError(
            f"Cannot {action} {obj}: it is {obj.get_status_display().lower()}."
        )


class ConsultationQuerySet(models.QuerySet):
    def listed(self):
        """What `/consultation/` lists: open ones first, then past ones, newest first; a
        consultation that has not opened yet is listed too, with its opening date."""
        return self.select_related("draft").order_by(
            models.Case(
                models.When(status="open", then=0),
                models.When(status="scheduled", then=1),
                default=2,
            ),
            "-opens_at",
        )

    def open(self):
        return self.filter(status=Consultation.Status.OPEN)


class Consultation(models.Model):
    """A draft put before the public, or before invited organisations only (an advisory round),
    from `opens_at` to `closes_at` (UTC). At opening the draft's latest revision is kept: the
    consulted text is that revision's snapshot, however the draft changes afterwards."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Not yet open")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Audience(models.TextChoices):
        PUBLIC = "public", _("Everyone")
        INVITED = "invited", _("Invited organisations only (advisory round)")

    draft = models.ForeignKey(
        Version,
        verbose_name=_("draft"),
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    title = models.CharField(_("title"), max_length=200)
    # The consultation's permanent address: /consultation/<slug>/.
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    introduction = models.TextField(_("introduction"), blank=True)
    opens_at = models.DateTimeField(_("opens at (UTC)"))
    closes_at = models.DateTimeField(_("closes at (UTC)"))
    languages = models.JSONField(
        _("languages"), default=list, help_text=_("The languages contributions are taken in.")
    )
    audience = models.CharField(
        _("who may take part"), max_length=10, choices=Audience.choices, default=Audience.PUBLIC
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    # The draft's text as consulted: its latest revision when the consultation opened.
    revision = models.ForeignKey(
        Revision,
        verbose_name=_("consulted text"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The published version the draft was compared with when the consultation opened.
    compared_with = models.ForeignKey(
        Version,
        verbose_name=_("compared with"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    # When the contributors were emailed the version that resulted
    # (`report_tasks.tell_contributors`): set once, so that nobody is told twice.
    contributors_told_at = models.DateTimeField(
        _("contributors told of the resulting version at"), null=True, blank=True
    )

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="consultation_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=Q(status="scheduled") | Q(revision__isnull=False),
                name="open_consultation_keeps_its_text",
            ),
        ]
        permissions = [("open_consultation", _("Can open a draft for consultation"))]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_invited_only(self) -> bool:
        return self.audience == self.Audience.INVITED

    @property
    def text(self) -> dict | None:
        """The consulted text in the shape of `Version.snapshot()`; None before opening."""
        return self.revision.snapshot if self.revision_id else None

    @property
    def resulting_version(self) -> Version | None:
        """The version the consultation led to: its draft, once published."""
        return self.draft if self.draft.is_published else None

    def open(self, *, at=None) -> None:
        """Open now (or at `at`), keeping the draft's latest revision as the consulted text."""
        _require(self, self.Status.SCHEDULED, action="open")
        self.revision = self.draft.revisions.order_by("-pk").first()
        if self.revision is None:
            raise ConsultationStateError(f"{self.draft} has no revision to consult on.")
        self.compared_with = self.draft.declaration.current_version
        self.status = self.Status.OPEN
        self.opened_at = at or timezone.now()
        self.save(update_fields=["revision", "compared_with", "status", "opened_at"])

    def close(self, *, at=None) -> None:
        _require(self, self.Status.OPEN, action="close")
        self.status = self.Status.CLOSED
        self.closed_at = at or timezone.now()
        self.save(update_fields=["status", "closed_at"])

    def move_closing(self, *, closes_at) -> None:
        """Close at another time; the task queued for the old time then finds it changed and
        does nothing (`services.close_when_due`)."""
        _require(self, self.Status.SCHEDULED, self.Status.OPEN, action="move the closing of")
        self.closes_at = closes_at
        self.save(update_fields=["closes_at"])

    def is_due_to_open(self, at) -> bool:
        """Whether the task queued to open it at `at` should: still scheduled for that time."""
        return self.status == self.Status.SCHEDULED and self.opens_at == at

    def is_due_to_close(self, at) -> bool:
        """Whether the task queued to close it at `at` should: open, and closing then."""
        return self.status == self.Status.OPEN and self.closes_at == at

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class Invitation(models.Model):
    """An organisation invited to an advisory round. Its personal link carries a signed token
    that is valid until the consultation closes."""

    TOKEN_SALT = "consultation-invitation"

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    organisation_name = models.CharField(_("organisation"), max_length=200)
    email = models.EmailField(_("email"))
    language = language_field()
    # Whether the public page may name the organisation among those invited.
    listed = models.BooleanField(_("may be named as invited"), default=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["organisation_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "email"], name="one_invitation_per_email"
            )
        ]

    def __str__(self):
        return f"{self.organisation_name} ({self.consultation})"

    def token(self) -> str:
        return signing.dumps(
            {"c": self.consultation_id, "i": self.pk}, salt=self.TOKEN_SALT, compress=True
        )

    @classmethod
    def from_token(cls, token: str, *, consultation: Consultation) -> "Invitation | None":
        """The invitation behind a personal link, while `consultation` is open; else None."""
        try:
            data = signing.loads(token, salt=cls.TOKEN_SALT)
        except signing.BadSignature:
            return None
        if not isinstance(data, dict) or data.get("c") != consultation.pk:
            return None
        if not consultation.is_open or timezone.now() >= consultation.closes_at:
            return None
        return cls.objects.filter(pk=data.get("i"), consultation=consultation).first()


class ContributionQuerySet(models.QuerySet):
    def public(self):
        """Confirmed by email and approved by a moderator, and not withdrawn."""
        return self.filter(status=Contribution.Status.APPROVED)

    def counted(self):
        """What a report counts: approved, and withdrawn after approval (text gone, count
        kept)."""
        return self.filter(
            Q(status=Contribution.Status.APPROVED)
            | Q(status=Contribution.Status.WITHDRAWN, approved_at__isnull=False)
        )

    def awaiting_moderation(self):
        return self.filter(status=Contribution.Status.CONFIRMED)

    def amendments(self):
        return self.filter(kind__in=Contribution.AMENDMENT_KINDS)

    def on_item(self, item_key: str):
        return self.filter(item_key=item_key)

    def in_moderation_queue(self):
        """What moderators decide on, oldest confirmation first: participants' contributions
        waiting for moderation (an editor's reply is public at once and never waits), with
        what the queue shows of each."""
        return (
            self.awaiting_moderation()
            .filter(author__isnull=True)
            .select_related("parent")
            .prefetch_related(
                models.Prefetch(
                    "consultation", queryset=Consultation.objects.select_related("revision")
                )
            )
            .order_by("confirmed_at", "pk")
        )

    def from_participants(self):
        """What participants sent, without the editors' replies."""
        return self.filter(author__isnull=True)

    def expired_unconfirmed(self):
        """Never confirmed, and their confirmation link has expired: deleted every day, with
        the participant's details."""
        cutoff = timezone.now() - timedelta(days=settings.ENDORSEMENT_CONFIRMATION_DAYS)
        return self.filter(status=Contribution.Status.UNCONFIRMED, created_at__lt=cutoff)


class Contribution(models.Model):
    """A comment on the consulted text or one clause of it, or an amendment proposing new
    text for a clause (or a new action line under a principle), with the participant's reason.

    Public only once the participant confirmed by email and a moderator approved it. Replies
    (`parent`) come from participants or, marked as such, from editors (`author`)."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        AMENDMENT = "amendment", _("Amendment")
        NEW_ACTION_LINE = "new-action-line", _("New action line")

    AMENDMENT_KINDS = [Kind.AMENDMENT, Kind.NEW_ACTION_LINE]

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Waiting for email confirmation")
        CONFIRMED = "confirmed", _("Waiting for moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SPAM = "spam", _("Spam")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Under consideration")
        ACCEPTED = "accepted", _("Accepted")
        MERGED = "merged", _("Accepted with changes")
        DECLINED = "declined", _("Declined")

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.PROTECT,
        related_name="contributions",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMMENT)
    # The clause: a principle's or action line's key, "version" for the title and preamble,
    # empty for the whole text. A new action line names the principle it goes under.
    item_key = models.CharField(_("clause"), max_length=36, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
    )
    body = models.TextField(_("comment or reason"))
    proposed_text = models.TextField(_("proposed text"), blank=True)
    language = language_field()

    # Who sent it. Contact details are never public.
    name = models.CharField(_("name"), max_length=200, blank=True)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    organisation_type = models.CharField(
        _("organisation type"), max_length=30, choices=OrganisationType.choices, blank=True
    )
    country = CountryField(_("country"), countries=EndorsementCountries, blank=True)
    email = models.EmailField(_("email"), blank=True)
    invitation = models.ForeignKey(
        Invitation,
        verbose_name=_("invitation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contributions",
    )
    # An editor's reply: written signed in, public at once, marked as the editors'.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("editor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UNCONFIRMED
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)

    class RejectionReason(models.TextChoices):
        """The reasons moderators give most often; each is emailed to the participant in the
        language they wrote in."""

        OFF_TOPIC = "off-topic", _("It is not about the text under consultation.")
        ABUSIVE = "abusive", _("It contains abusive or offensive language.")
        PERSONAL_DATA = "personal-data", _("It contains personal information about someone.")
        ADVERTISING = "advertising", _("It looks like advertising.")
        DUPLICATE = "duplicate", _("It repeats a contribution already sent.")
        OTHER = "other", _("Another reason, explained below.")

    rejection_code = models.CharField(
        _("standard reason for rejection"),
        max_length=20,
        choices=RejectionReason.choices,
        blank=True,
    )

    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING
    )
    outcome_reason = models.TextField(_("reason given"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The revision of the draft an accepted amendment became.
    revision = models.ForeignKey(
        Revision,
        verbose_name=_("resulting revision"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ContributionQuerySet.as_manager()

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["consultation", "status", "item_key"], name="contribution_item_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["amendment", "new-action-line"])
                | ~Q(proposed_text="")
                | Q(status="withdrawn"),
                name="amendment_proposes_text",
            ),
            models.CheckConstraint(
                condition=Q(outcome="pending") | Q(kind__in=["amendment", "new-action-line"]),
                name="only_amendments_have_an_outcome",
            ),
        ]
        permissions = [("moderate_contribution", _("Can moderate consultation contributions"))]

    def __str__(self):
        return f"{self.get_kind_display()} {self.pk} on {self.consultation}"

    @property
    def is_amendment(self) -> bool:
        return self.kind in self.AMENDMENT_KINDS

    @property
    def is_editors_reply(self) -> bool:
        return self.author_id is not None

    def link_token(self, purpose: str) -> str:
        """A signed token for the participant's links (confirm, withdraw)."""
        return signing.dumps({"c": self.pk, "p": purpose}, salt="contribution", compress=True)

    @staticmethod
    def read_link_token(token: str, purpose: str, *, max_age=None) -> int | None:
        """The contribution id a link's token carries for `purpose`, or None."""
        try:
            data = signing.loads(token, salt="contribution", max_age=max_age)
        except signing.BadSignature:
            return None
        if not isinstance(data, dict) or data.get("p") != purpose:
            return None
        return data.get("c")

    def confirm(self) -> None:
        _require(self, self.Status.UNCONFIRMED, action="confirm")
        self.status = self.Status.CONFIRMED
        self.confirmed_at = timezone.now()
        self.save(update_fields=["status", "confirmed_at"])

    def approve(self, *, by) -> None:
        _require(self, self.Status.CONFIRMED, action="approve")
        self.status = self.Status.APPROVED
        self.moderated_by = by
        self.moderated_at = self.approved_at = timezone.now()
        self.save(update_fields=["status", "moderated_by", "moderated_at", "approved_at"])

    def reject(self, *, by, reason: str, code: str = "") -> None:
        """Reject for a standard reason (`code`, one of `RejectionReason`) and/or a reason in
        the moderator's words; at least one of them."""
        _require(self, self.Status.CONFIRMED, action="reject")
        if not reason.strip() and code in {"", self.RejectionReason.OTHER}:
            raise ConsultationStateError("A rejection needs a reason.")
        self.status = self.Status.REJECTED
        self.rejection_reason = reason
        self.rejection_code = code
        self.moderated_by = by
        self.moderated_at = timezone.now()
        self.save(
            update_fields=[
                "status",
                "rejection_reason",
                "rejection_code",
                "moderated_by",
                "moderated_at",
            ]
        )

    def mark_as_spam(self, *, by) -> None:
        _require(self, self.Status.CONFIRMED, action="mark as spam")
        self.status = self.Status.SPAM
        self.moderated_by = by
        self.moderated_at = timezone.now()
        self.save(update_fields=["status", "moderated_by", "moderated_at"])

    def withdraw(self) -> None:
        """Take the text and the contact details away; the row stays, so a report still
        counts an approved contribution by clause, type, region and language."""
        _require(
            self,
            self.Status.UNCONFIRMED,
            self.Status.CONFIRMED,
            self.Status.APPROVED,
            action="withdraw",
        )
        self.status = self.Status.WITHDRAWN
        self.withdrawn_at = timezone.now()
        self.body = self.proposed_text = ""
        self.name = self.email = ""
        self.save(
            update_fields=["status", "withdrawn_at", "body", "proposed_text", "name", "email"]
        )

    def decide(self, *, outcome: str, by, reason: str = "", revision=None) -> None:
        """Record the editors' decision on an amendment. Use the consultation services, which
        also write the revision and email the proposer."""
        if not self.is_amendment:
            raise ConsultationStateError(f"{self} is not an amendment.")
        if self.outcome != self.Outcome.PENDING:
            raise ConsultationStateError(f"{self} was already decided.")
        if outcome == self.Outcome.DECLINED and not reason.strip():
            raise ConsultationStateError("Declining an amendment needs a public reason.")
        self.outcome = outcome
        self.outcome_reason = reason
        self.decided_by = by
        self.decided_at = timezone.now()
        self.revision = revision
        self.save(
            update_fields=["outcome", "outcome_reason", "decided_by", "decided_at", "revision"]
        )


def consultation_report_path(report: "ConsultationReport", filename: str) -> str:
    return f"consultations/{report.consultation.slug}/report-{report.language}-{report.digest}.pdf"


class ConsultationReport(models.Model):
    """The signed PDF of a closed consultation's report (what we heard) in one language,
    rendered by the task worker; its counts are those of `digest`, the report's data when it
    was rendered. Rendered anew, in place, when an amendment is decided or the resulting
    version is published."""

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="reports",
    )
    language = language_field()
    digest = models.CharField(
        _("digest"), max_length=64, help_text=_("SHA-256 of the counts and outcomes it holds.")
    )
    counted = models.PositiveIntegerField(_("contributions counted"))
    file = models.FileField(_("file"), upload_to=consultation_report_path, max_length=300)
    size = models.PositiveIntegerField(_("size in bytes"))
    rendered_at = models.DateTimeField(_("rendered at"), default=timezone.now)

    class Meta:
        verbose_name = _("consultation report")
        verbose_name_plural = _("consultation reports")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "language"], name="one_report_per_consultation_language"
            )
        ]

    def __str__(self):
        return f"Report of {self.consultation} ({self.language})"

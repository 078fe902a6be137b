"""Endorsements and their reconfirmations of later versions."""

import secrets
from collections import Counter
from datetime import UTC, timedelta

from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncHour
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from declaration_site.countries import EndorsementCountries
from declaration_site.email_domains import domain_of_email, organisation_domain
from declaration_site.organisations import OrganisationType
from declaration_site.regions import REGION_OF_COUNTRY, Region
from principles.models import ActionLine, Version

from ..names import domain_of_url, normalise_name
from ..trust import trust_level_of
from .decisions import ModerationDecisionsMixin
from .errors import EndorsementStateError
from .fraud import FraudQuerySetMixin, FraudStateMixin


class EndorsementCountryField(CountryField):
    """django-countries' field, checked by looking the code up: its own check goes through the
    translated name of every country (about 0.4 ms, twice for every submission)."""

    def validate(self, value, model_instance):
        if value not in self.countries:
            super().validate(value, model_instance)


def confirmation_max_age() -> timedelta:
    return timedelta(days=settings.ENDORSEMENT_CONFIRMATION_DAYS)


# How long each kind of emailed link stays valid.
LINK_PURPOSES = {
    "confirm": confirmation_max_age,
    "withdraw": confirmation_max_age,
    "reconfirm": lambda: timedelta(days=90),
    # A certificate is kept and shared for years; it shows only what the public list shows.
    "certificate": lambda: None,
    # Managing the endorsement (statement, website, logo, commitments); a new link is a
    # request by email away, as for withdrawing.
    "manage": lambda: timedelta(days=30),
    # "This wasn't us": in the confirmation email, valid as long as the confirmation link.
    "cancel": confirmation_max_age,
}


def version_field(verbose_name, **options) -> models.ForeignKey:
    """A version of the declaration that an endorsement stands by: it can never be deleted."""
    return models.ForeignKey(
        "principles.Version", verbose_name=verbose_name, on_delete=models.PROTECT, **options
    )


def new_public_id() -> str:
    """An endorser's id in public addresses (`/endorsers/<public id>/`): random, so that the
    addresses say nothing about how many endorsed or in which order."""
    return secrets.token_hex(6)


def pending_logos() -> Prefetch:
    """Each endorsement's logos waiting for moderation, newest first, as `pending_logos`."""
    from .files import Logo  # which imports this module

    return Prefetch("logos", queryset=Logo.objects.pending(), to_attr="pending_logos")


class EndorsementQuerySet(FraudQuerySetMixin, models.QuerySet):
    def public(self):
        """Approved endorsements: what anyone may see."""
        return self.filter(status=Endorsement.Status.APPROVED)

    def live(self):
        """Those that count as the organisation having endorsed, or being about to: a second
        endorsement of the organisation is refused while one of these exists."""
        return self.filter(status__in=Endorsement.LIVE_STATUSES)

    def same_organisation_as(self, endorsement):
        """The others from the same organisation: the same normalised name in the same country."""
        return self.filter(name_key=endorsement.name_key, country=endorsement.country).exclude(
            pk=endorsement.pk
        )

    def from_contact(self, email: str):
        """Those whose contact gave `email`, in any case: one inbox however it is spelled."""
        return self.filter(contact_email__iexact=email)

    def awaiting_moderation(self):
        return self.filter(status=Endorsement.Status.CONFIRMED)

    def in_queue_order(self):
        """The moderation queue's order: the longest waiting first, with the logos waiting."""
        return (
            self.select_related("version")
            .prefetch_related(pending_logos())
            .order_by("confirmed_at", "pk")
        )

    def for_moderation_page(self):
        """With what one endorsement's moderation page shows: its version, who decided, the
        action lines it commits to and the logos waiting for moderation."""
        return self.select_related("version", "moderated_by", "verified_by").prefetch_related(
            "action_lines__principle", pending_logos()
        )

    def decided_by_others(self, *, requested: list[int], decided: list):
        """Of the endorsements `requested` in one moderation batch, those it did not decide
        (`decided`): someone decided them before it arrived. By name, with who decided."""
        done = {endorsement.pk for endorsement in decided}
        return (
            self.filter(pk__in=set(requested) - done)
            .select_related("moderated_by")
            .order_by("organisation_name")
        )

    def without_flags(self):
        """Those a Moderator has no reason to look at twice: no possible duplicate (see
        `similar_to`), no webmail address, no email domain that differs from the website's.

        Decided in Python over every endorsement's name key and email, one query each: the
        domain comparisons have no SQL index to use, and this serves the moderation queue only.
        """
        names, domains = Counter(), Counter()
        for name_key, email in Endorsement.objects.values_list("name_key", "contact_email"):
            names[name_key] += 1
            domains[organisation_domain(email)] += 1
        domains[""] = 0  # webmail or no email: no organisation's domain to share
        unflagged = [
            endorsement.pk
            for endorsement in self.only("name_key", "contact_email", "website")
            if not endorsement.is_flagged(
                names[endorsement.name_key] > 1
                or domains[organisation_domain(endorsement.contact_email)] > 1
            )
        ]
        return self.filter(pk__in=unflagged)

    def awaiting_confirmation(self):
        """Unconfirmed endorsements whose confirmation link is still valid."""
        cutoff = timezone.now() - confirmation_max_age()
        return self.filter(status=Endorsement.Status.UNCONFIRMED, submitted_at__gte=cutoff)

    def expired_unconfirmed(self):
        """Unconfirmed endorsements whose confirmation link has expired."""
        cutoff = timezone.now() - confirmation_max_age()
        return self.filter(status=Endorsement.Status.UNCONFIRMED, submitted_at__lt=cutoff)

    def not_yet_endorsing(self, version):
        """Endorsements of the same declaration that endorse neither `version` nor a later one
        (endorsing the version an editorial correction corrects counts as endorsing it)."""
        since = version.counts_endorsers_from
        return self.filter(version__declaration_id=version.declaration_id).exclude(
            Q(version__number__gte=since) | Q(reconfirmed_version__number__gte=since)
        )

    def endorsing_latest(self, version_id: int):
        """Endorsements whose latest version (`Endorsement.latest_version`) is this one."""
        return self.filter(
            Q(reconfirmed_version_id=version_id)
            | Q(reconfirmed_version__isnull=True, version_id=version_id)
        )

    def for_public_page(self):
        """With what an endorser's page shows: its versions, logo and reconfirmations."""
        later = Reconfirmation.objects.select_related("version").order_by("version__number")
        return self.select_related("version", "reconfirmed_version", "logo").prefetch_related(
            Prefetch("reconfirmations", queryset=later)
        )

    def with_public_relations(self):
        return self.select_related("version", "reconfirmed_version", "logo").order_by(
            "-approved_at", "-pk"
        )

    def search(self, *, name="", country="", region="", organisation_type="", trust_level=""):
        queryset = self
        if trust_level:
            queryset = queryset.filter(trust_level=trust_level)
        if name:
            queryset = queryset.filter(name_key__contains=normalise_name(name))
        if country:
            queryset = queryset.filter(country=country)
        if region:
            queryset = queryset.filter(region=region)
        if organisation_type:
            queryset = queryset.filter(organisation_type=organisation_type)
        return queryset

    def listed_in(self, version):
        """Those whom the PDF of `version` lists: everyone who endorsed it or an earlier version
        of its declaration, so that a new version never starts with an empty list. Each carries
        `signed_number`: the number of the latest of those versions that it endorsed or
        reconfirmed for; below `version.number` when it has not endorsed `version` (yet)."""
        reconfirmed = Reconfirmation.objects.filter(
            endorsement=OuterRef("pk"), version__number__lte=version.number
        ).order_by("-version__number")
        return self.filter(
            version__declaration_id=version.declaration_id, version__number__lte=version.number
        ).annotate(
            signed_number=Coalesce(
                Subquery(reconfirmed.values("version__number")[:1]), F("version__number")
            )
        )

    def totals(self, version) -> dict[str, int]:
        """How many in all, whatever version each endorsed, and how many for `version`
        (endorsed or reconfirmed), in one query.

        The reconfirmations are a subquery rather than a join, which would need COUNT(DISTINCT)
        over every endorser (several times slower with 100,000 of them)."""
        endorsed = Version.objects.filter(
            declaration_id=version.declaration_id,
            number__gte=version.counts_endorsers_from,
            number__lte=version.number,
        )
        reconfirmed = Reconfirmation.objects.filter(version__in=endorsed).values("endorsement_id")
        return self.aggregate(
            total=Count("pk"),
            for_version=Count("pk", filter=Q(version__in=endorsed) | Q(pk__in=reconfirmed)),
        )

    def count_by_latest_version(self) -> dict[int, int]:
        """How many have each version as the latest they endorsed or reconfirmed for, by
        version number."""
        rows = (
            self.order_by()
            .values(latest=Coalesce("reconfirmed_version__number", "version__number"))
            .annotate(total=Count("pk"))
        )
        return {row["latest"]: row["total"] for row in rows}

    def totals_by_version(self, current) -> dict:
        """`totals(current)` and `count_by_latest_version()` together, in one query, for the
        `current` version (or None): no endorser can be beyond it, so those who endorsed it are
        those whose latest version it is, or (when it is an editorial correction) the version
        it corrects or a correction in between."""
        by_version = self.count_by_latest_version()
        endorsing = (
            range(current.counts_endorsers_from, current.number + 1) if current else range(0)
        )
        return {
            "total": sum(by_version.values()),
            "for_version": sum(by_version.get(number, 0) for number in endorsing),
            "by_version": by_version,
        }

    def similar_to(self, endorsements) -> dict[int, list]:
        """For each of `endorsements`, the others that may be the same organisation: the same
        normalised name in any country, or a contact at the same organisation's email domain."""
        keys = {e.name_key for e in endorsements}
        domains = {organisation_domain(e.contact_email) for e in endorsements} - {""}
        same_domain = Q(pk__in=[])
        for domain in domains:
            same_domain |= Q(contact_email__iendswith="@" + domain)
        candidates = list(self.filter(Q(name_key__in=keys) | same_domain))

        def similar(one, other) -> bool:
            domain = organisation_domain(one.contact_email)
            return other.pk != one.pk and (
                other.name_key == one.name_key
                or (domain != "" and organisation_domain(other.contact_email) == domain)
            )

        return {e.pk: [other for other in candidates if similar(e, other)] for e in endorsements}

    def count_by(self, field: str) -> dict[str, int]:
        rows = self.order_by().values(field).annotate(total=Count("pk"))
        return {row[field]: row["total"] for row in rows}

    def events_by_hour(self) -> list[tuple]:
        """(hour, event, count) for each hour in which something happened, oldest first: how
        many endorsements were confirmed, approved, withdrawn after approval (from the public
        list) and had their approval revoked. One query; hours are in UTC."""
        events = {
            "confirmations": ("confirmed_at", Q(confirmed_at__isnull=False)),
            "approvals": ("approved_at", Q(approved_at__isnull=False)),
            "withdrawals": (
                "withdrawn_at",
                Q(withdrawn_at__isnull=False, approved_at__isnull=False),
            ),
            "revocations": ("revoked_at", Q(revoked_at__isnull=False)),
        }
        counted = [
            self.order_by()
            .filter(condition)
            .annotate(hour=TruncHour(field, tzinfo=UTC), event=Value(event))
            .values("hour", "event")
            .annotate(total=Count("pk"))
            .values_list("hour", "event", "total")
            for event, (field, condition) in events.items()
        ]
        rows = counted[0].union(*counted[1:], all=True)
        return sorted(rows, key=lambda row: row[0])


class Endorsement(ModerationDecisionsMixin, FraudStateMixin, models.Model):
    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Waiting for email confirmation")
        CONFIRMED = "confirmed", _("Waiting for moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SPAM = "spam", _("Spam")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REVOKED = "revoked", _("Approval revoked")
        CANCELLED = "cancelled", _("Cancelled by its contact")

    class RejectionReason(models.TextChoices):
        """The reasons a Moderator gives most often; each can be emailed to the organisation in
        its own language."""

        NOT_AN_ORGANISATION = "not-an-organisation", _("This is not an organisation.")
        DUPLICATE = "duplicate", _("The organisation has already endorsed the declaration.")
        COULD_NOT_VERIFY = (
            "could-not-verify",
            _("We could not verify that the contact person speaks for the organisation."),
        )
        SPAM_LIKE = "spam-like", _("The submission looks like advertising or spam.")
        OTHER = "other", _("Another reason, explained below.")

    class TrustLevel(models.TextChoices):
        """How far the endorser is known to be the organisation it names, shown as a badge
        wherever it appears. Ordered from the weakest."""

        SELF_DECLARED = "self-declared", _("Self-declared")
        DOMAIN_CONFIRMED = "domain-confirmed", _("Domain confirmed")
        VERIFIED = "verified", _("Verified by the secretariat")

    OrganisationType = OrganisationType

    # Statuses in which an organisation counts as having endorsed (or being about to): a second
    # endorsement for the same organisation is refused while one of these exists.
    LIVE_STATUSES = [Status.UNCONFIRMED, Status.CONFIRMED, Status.APPROVED]
    # Not decided yet: what a bulk action of the fraud tools may sweep (never an approved one).
    PENDING_STATUSES = [Status.UNCONFIRMED, Status.CONFIRMED]
    # What a bulk action may make of them.
    SWEPT_STATUSES = [Status.REJECTED, Status.SPAM]
    # What an endorser fills in on the form.
    SUBMITTED_FIELDS = [
        "organisation_name",
        "organisation_type",
        "country",
        "website",
        "contact_name",
        "contact_role",
        "contact_email",
        "statement",
    ]

    organisation_name = models.CharField(_("organisation name"), max_length=200)
    # A text field: compatibility normalisation can make a name several times longer.
    name_key = models.TextField(_("normalised name"), editable=False)
    organisation_type = models.CharField(
        _("organisation type"), max_length=30, choices=OrganisationType.choices
    )
    country = EndorsementCountryField(_("country"), countries=EndorsementCountries)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices, editable=False)
    website = models.URLField(_("website"), blank=True)
    # The privacy notice promised until December 2026 that the website was never published:
    # endorsements sent before it changed keep that promise (the migration sets False).
    website_is_public = models.BooleanField(_("website may be published"), default=True)
    contact_name = models.CharField(_("contact person's name"), max_length=200, blank=True)
    contact_role = models.CharField(_("contact person's role"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact person's email"), blank=True)
    statement = models.TextField(_("statement of commitment"), max_length=500, blank=True)
    action_lines = models.ManyToManyField(
        "principles.ActionLine",
        verbose_name=_("action lines committed to"),
        blank=True,
        related_name="endorsements",
    )
    version = version_field(_("version endorsed"), related_name="endorsements")
    content_hash = models.CharField(_("content hash of the version endorsed"), max_length=64)
    reconfirmed_version = version_field(
        _("latest version reconfirmed"), null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UNCONFIRMED
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    rejection_code = models.CharField(
        _("standard reason for rejection"),
        max_length=30,
        choices=RejectionReason.choices,
        blank=True,
    )
    revoked_at = models.DateTimeField(_("approval revoked at"), null=True, blank=True)
    revocation_reason = models.TextField(_("reason the approval was revoked"), blank=True)
    # The language the endorser read the form in: the emails a moderator's decision sends.
    language = models.CharField(_("language"), max_length=10, blank=True)
    reconfirmed_at = models.DateTimeField(_("reconfirmed at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # "This wasn't us": the contact cancelled it from the confirmation email.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    public_id = models.CharField(
        _("public id"), max_length=20, unique=True, default=new_public_id, editable=False
    )
    trust_level = models.CharField(
        _("trust level"),
        max_length=20,
        choices=TrustLevel.choices,
        default=TrustLevel.SELF_DECLARED,
    )
    # How a Moderator verified the endorser: never public.
    verification_note = models.TextField(_("how it was verified"), blank=True)
    verified_at = models.DateTimeField(_("verified on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The approved logo that the public pages show (see Logo).
    logo = models.ForeignKey(
        "Logo",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Where the submission came from, for the fraud tools: the network (/24 for IPv4, /48 for
    # IPv6), never the address; and the contact address with webmail aliases folded
    # (dots and "+tags" at Gmail), so that aliases count as one address.
    submitted_from = models.CharField(_("submitted from network"), max_length=50, blank=True)
    email_key = models.CharField(_("contact address, aliases folded"), max_length=254, blank=True)

    objects = EndorsementQuerySet.as_manager()

    class Meta:
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")
        ordering = ["-submitted_at"]
        permissions = [
            ("moderate_endorsement", _("Can moderate endorsements")),
            ("export_endorsement_contacts", _("Can export endorsements with contact details")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["name_key", "country"],
                condition=Q(status__in=["unconfirmed", "confirmed", "approved"]),
                name="one_live_endorsement_per_organisation",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
                name="approved_endorsement_has_approval_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | Q(revoked_at__isnull=False),
                name="revoked_endorsement_has_revocation_date",
            ),
        ]
        # The public list's order: a deep page (?page=500) walks the index instead of sorting.
        indexes = [
            models.Index(
                fields=["status", "-approved_at", "-id"], name="endorsement_public_order_idx"
            ),
            models.Index(fields=["status", "trust_level"], name="endorsement_trust_idx"),
            models.Index(fields=["submitted_at"], name="endorsement_submitted_idx"),
            models.Index(fields=["email_key"], name="endorsement_email_key_idx"),
        ]

    def __str__(self):
        return f"{self.organisation_name} ({self.country.code})"

    def set_organisation(self, *, name: str, country: str) -> None:
        """Set the name and country with the keys derived from them (normalised name, region)."""
        self.organisation_name = name
        self.name_key = normalise_name(name)
        self.country = country
        self.region = REGION_OF_COUNTRY[country]

    def link_token(self, purpose: str, **extra) -> str:
        """A signed token for an emailed link (see LINK_PURPOSES); it expires, it cannot be
        forged, and it names the endorsement and the purpose it was made for."""
        return signing.dumps({"e": self.pk, **extra}, salt=f"endorsements.{purpose}")

    @staticmethod
    def read_link_token(token: str, purpose: str) -> dict:
        """The token's payload; raises signing.SignatureExpired or signing.BadSignature."""
        return signing.loads(
            token, salt=f"endorsements.{purpose}", max_age=LINK_PURPOSES[purpose]()
        )

    def logo_url(self, size: str = "small") -> str:
        """The address of its logo's `size` ("small" or "large"), or "" without a logo; the
        name changes with the image, so that browsers may keep it for good."""
        if self.logo_id is None:
            return ""
        name = f"{self.logo.content_hash[:16]}-{size}"
        return reverse("endorsements:logo", args=[self.public_id, name])

    def show_logo(self, logo) -> None:
        """Show `logo` (an approved Logo of this endorsement) on the public pages, or none."""
        if logo and (logo.endorsement_id != self.pk or logo.status != "approved"):
            raise EndorsementStateError(f"{logo} cannot be shown for {self}.")
        self.logo = logo
        self.save(update_fields=["logo"])

    @property
    def latest_version(self):
        return self.reconfirmed_version or self.version

    def commitments_in(self, version):
        """The action lines of `version` that are those it committed to: the same key, the
        line carried over from version to version, reworded or moved or not."""
        committed = self.action_lines.values("key")
        return (
            ActionLine.objects.in_version(version)
            .filter(key__in=committed)
            .order_by("principle__position", "position")
        )

    def commitments_missing_from(self, version):
        """The action lines it committed to that `version` no longer has."""
        kept = ActionLine.objects.in_version(version).values("key")
        return (
            self.action_lines.exclude(key__in=kept)
            .select_related("principle")
            .order_by("principle__position", "position")
        )

    @property
    def email_domain_matches_website(self) -> bool | None:
        """Whether the contact's email domain belongs to the website; None without a website."""
        if not self.website or not self.contact_email:
            return None
        email_domain, web_domain = domain_of_email(self.contact_email), domain_of_url(self.website)
        return email_domain == web_domain or email_domain.endswith("." + web_domain)

    @property
    def uses_webmail(self) -> bool:
        return bool(self.contact_email) and organisation_domain(self.contact_email) == ""

    def is_flagged(self, similar) -> bool:
        """Whether a Moderator should look twice: `similar` (from `similar_to`) names possible
        duplicates, or the contact uses webmail, or the email's domain is not the website's."""
        return bool(similar) or self.uses_webmail or self.email_domain_matches_website is False

    def reconfirm(self, *, version) -> None:
        """Point at `version` as the latest reconfirmed. Use `services.reconfirm_endorsement`,
        which also records the reconfirmation."""
        self._require(self.Status.APPROVED, action="reconfirm")
        if not version.is_published or version.number <= self.latest_version.number:
            raise EndorsementStateError(f"{self} already endorses {version} or a later version.")
        self.reconfirmed_version = version
        self.reconfirmed_at = timezone.now()
        self.save(update_fields=["reconfirmed_version", "reconfirmed_at"])

    def withdraw(self) -> None:
        """Leave the public list and erase personal data, keeping what an audit needs: the
        organisation's name, type and country, the versions and the dates."""
        self._require(
            self.Status.UNCONFIRMED, self.Status.CONFIRMED, self.Status.APPROVED, action="withdraw"
        )
        self.status = self.Status.WITHDRAWN
        self.withdrawn_at = timezone.now()
        # The network it was sent from is personal data too, once it is the endorser's.
        self.submitted_from = ""
        self._erase_personal_data(also=["status", "withdrawn_at", "submitted_from"])

    def _erase_personal_data(self, *, also: list[str]) -> None:
        self.website = self.contact_name = self.contact_role = self.contact_email = ""
        self.email_key = ""
        # How a Moderator verified it may name the people they spoke to.
        self.statement = self.verification_note = ""
        self.trust_level = trust_level_of(self)
        self.save(
            update_fields=[
                *also,
                "website",
                "contact_name",
                "contact_role",
                "contact_email",
                "email_key",
                "statement",
                "verification_note",
                "trust_level",
            ]
        )
        self.action_lines.clear()


class Reconfirmation(models.Model):
    """An endorser's endorsement of a later version. Rows are only ever added; the endorsement
    points at the latest one's version."""

    endorsement = models.ForeignKey(
        Endorsement,
        verbose_name=_("endorsement"),
        on_delete=models.CASCADE,
        related_name="reconfirmations",
    )
    version = version_field(_("version"), related_name="+")
    content_hash = models.CharField(_("content hash of the version"), max_length=64)
    reconfirmed_at = models.DateTimeField(_("reconfirmed at"), default=timezone.now)

    class Meta:
        verbose_name = _("reconfirmation")
        verbose_name_plural = _("reconfirmations")
        constraints = [
            models.UniqueConstraint(
                fields=["endorsement", "version"], name="one_reconfirmation_per_version"
            )
        ]

    def __str__(self):
        return f"{self.endorsement} reconfirmed {self.version}"

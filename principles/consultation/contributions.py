"""Taking part: what a participant may comment on or amend in a consultation's text, and the
writes that record a contribution, confirm it and withdraw it."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from declaration_site.public_cache import public_content_changed

from ..models import Consultation, Contribution, Invitation
from . import emails
from .report_tasks import queue_report

VERSION_KEY = "version"
# What a participant can still withdraw: anything not already withdrawn or turned down.
WITHDRAWABLE = [
    Contribution.Status.UNCONFIRMED,
    Contribution.Status.CONFIRMED,
    Contribution.Status.APPROVED,
]


@dataclass(frozen=True)
class Clause:
    """One part of the consulted text that a contribution can be about: the whole text (key
    ""), the title and preamble ("version"), a principle or an action line (its key)."""

    key: str
    label: str
    text: str
    is_principle: bool = False

    @property
    def amendable(self) -> bool:
        """Whether an amendment can propose new text for it: every clause but the whole text."""
        return self.key != ""


def clause_of(consultation: Consultation, key: str) -> Clause | None:
    """The clause `key` names in the consulted text, or None when the text has none. A
    principle is amended through its explanation, the title and preamble through the
    preamble: each proposal replaces one text."""
    text = consultation.text or {}
    if key == "":
        return Clause(key="", label=str(_("The whole text")), text=text.get("title", ""))
    if key == VERSION_KEY:
        return Clause(key=key, label=str(_("Title and preamble")), text=text.get("preamble", ""))
    for number, principle in enumerate(text.get("principles", []), start=1):
        if principle["key"] == key:
            label = _("Principle %(number)s: %(title)s") % {
                "number": number,
                "title": principle["title"],
            }
            return Clause(key=key, label=label, text=principle["explanation"], is_principle=True)
        for position, line in enumerate(principle["action_lines"], start=1):
            if line["key"] == key:
                label = _("Action line %(number)s.%(position)s") % {
                    "number": number,
                    "position": position,
                }
                return Clause(key=key, label=label, text=line["text"])
    return None


def is_taking_part(consultation: Consultation) -> bool:
    """Whether the consultation takes contributions now: open, and not past its closing time
    (the task that closes it may run a moment late)."""
    now = timezone.now()
    return consultation.is_open and consultation.opens_at <= now < consultation.closes_at


def confirmation_max_age() -> timedelta:
    """How long a confirmation link works: as long as an endorsement's."""
    return timedelta(days=settings.ENDORSEMENT_CONFIRMATION_DAYS)


def submit_contribution(
    *,
    consultation: Consultation,
    kind: str,
    clause: Clause,
    details: dict,
    language: str,
    parent: Contribution | None = None,
    invitation: Invitation | None = None,
) -> Contribution:
    """Record a contribution, waiting for its email confirmation, and email the participant
    the links to confirm and to withdraw it. `details` holds the form's cleaned fields."""
    contribution = Contribution(
        consultation=consultation,
        kind=kind,
        item_key=clause.key,
        parent=parent,
        invitation=invitation,
        body=details["body"],
        proposed_text=details.get("proposed_text", ""),
        language=language,
        name=details["name"],
        organisation_name=details["organisation_name"],
        organisation_type=details["organisation_type"],
        country=details["country"],
        email=details["email"],
    )
    contribution.full_clean(exclude={"consultation", "parent", "invitation"})
    with transaction.atomic():
        contribution.save()
        send_links(contribution, clause=clause)
    return contribution


def send_links(contribution: Contribution, *, clause: Clause) -> None:
    """Queue the email that carries the confirmation link and the withdrawal link."""
    emails.queue(
        to=contribution.email,
        language=contribution.language,
        subject=gettext_noop("Please confirm your contribution to the consultation"),
        template="confirm",
        context={
            "name": contribution.name,
            "consultation": contribution.consultation.title,
            "clause": clause.label,
            "kind": contribution.kind,
            "days": settings.ENDORSEMENT_CONFIRMATION_DAYS,
            "confirm_url": link(contribution, "confirm"),
            "withdraw_url": link(contribution, "withdraw"),
        },
    )


def link(contribution: Contribution, purpose: str) -> str:
    view = f"consultation:{purpose}"
    return emails.absolute(reverse(view, args=[contribution.link_token(purpose)]))


def _locked(contribution: Contribution) -> Contribution:
    """The contribution as it is now, locked: a confirmation and a withdrawal sent from two
    tabs at once act one after the other, each on what the other left."""
    return (
        Contribution.objects.select_for_update()
        .select_related("consultation")
        .get(pk=contribution.pk)
    )


def confirm_contribution(*, contribution: Contribution) -> bool:
    """Confirm an unconfirmed contribution while its consultation takes part; False (nothing
    done) when it is no longer unconfirmed or the consultation has closed, so that the
    report's counts stop changing at closing."""
    with transaction.atomic():
        contribution = _locked(contribution)
        consultation = contribution.consultation
        if contribution.status != Contribution.Status.UNCONFIRMED:
            return False
        if not is_taking_part(consultation):
            return False
        contribution.confirm()
        return True


def withdraw_contribution(*, contribution: Contribution) -> bool:
    """Withdraw a contribution (its text and contact details erased, its count kept) and,
    since it may have been public, refresh the public pages once this commits, and the
    report's PDF if the consultation has closed. False when it can no longer be withdrawn."""
    with transaction.atomic():
        contribution = _locked(contribution)
        if contribution.status not in WITHDRAWABLE:
            return False
        contribution.withdraw()
        public_content_changed()
        queue_report(contribution.consultation)
        return True


def send_withdrawal_links(*, email: str, language: str) -> int:
    """Email `email` a withdrawal link for each contribution it sent that can still be
    withdrawn; how many. The page that asks says the same either way, so nobody learns who
    took part."""
    contributions = list(
        Contribution.objects.filter(
            email__iexact=email.strip(), status__in=WITHDRAWABLE
        ).select_related("consultation__revision")
    )
    if contributions:
        emails.queue(
            to=contributions[0].email,
            language=language,
            subject=gettext_noop("Links to withdraw your contributions"),
            template="withdrawal_links",
            context={
                "links": [
                    {
                        "consultation": contribution.consultation.title,
                        "clause": clause_label(contribution),
                        "url": link(contribution, "withdraw"),
                    }
                    for contribution in contributions
                ]
            },
        )
    return len(contributions)


def clause_label(contribution: Contribution) -> str:
    clause = clause_of(contribution.consultation, contribution.item_key)
    return clause.label if clause else ""

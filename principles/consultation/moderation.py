"""Moderating what participants send: the decisions (approve, reject with a reason, mark as
spam, one or many at once), and the labels and flags the queue shows a moderator."""

import re
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from declaration_site.email_domains import organisation_domain
from declaration_site.moderation import Decision
from declaration_site.public_cache import public_content_changed
from principles.models import AuditEntry, Contribution

from . import emails
from .report_tasks import queue_report

AUDIT_ACTION_OF_DECISION = {
    Decision.APPROVE: AuditEntry.Action.CONTRIBUTION_APPROVE,
    Decision.REJECT: AuditEntry.Action.CONTRIBUTION_REJECT,
    Decision.SPAM: AuditEntry.Action.CONTRIBUTION_SPAM,
}


@transaction.atomic
def moderate_contributions(
    *, contributions: QuerySet, decision: str, moderator, code: str = "", reason: str = ""
) -> list[Contribution]:
    """Approve, reject (for a standard reason `code`, a `reason` in the moderator's words, or
    both) or mark as spam each of `contributions` still waiting for moderation; audit each
    decision and email the participant an approval (with the link to it) or a rejection
    (with its reason).

    The rows are locked and only those still waiting once the lock is held are decided: of two
    moderators deciding the same contribution, the second leaves it as the first decided it,
    and the rest of their batch is applied. Returns the contributions decided here."""
    decided = list(
        contributions.select_for_update().awaiting_moderation().filter(author__isnull=True)
    )
    for contribution in sorted(decided, key=lambda c: c.pk):
        if decision == Decision.APPROVE:
            contribution.approve(by=moderator)
        elif decision == Decision.REJECT:
            contribution.reject(by=moderator, reason=reason.strip(), code=code)
        else:
            contribution.mark_as_spam(by=moderator)
        AuditEntry.objects.log(
            actor=moderator,
            action=AUDIT_ACTION_OF_DECISION[decision],
            target=contribution,
            detail=" · ".join(filter(None, [code, reason.strip()])),
        )
        if decision != Decision.SPAM and contribution.email:
            email_decision(contribution)
    if decided and decision == Decision.APPROVE:
        public_content_changed()
        # Approved after closing (confirmed in time): the report counts it.
        for consultation in {contribution.consultation for contribution in decided}:
            queue_report(consultation)
    return decided


def email_decision(contribution: Contribution) -> None:
    """Tell the participant, in the language they wrote in, that their contribution is public
    (with its link) or was rejected (with the reason)."""
    with translation.override(contribution.language):
        page = reverse("consultation:detail", args=[contribution.consultation.slug])
    context = {"name": contribution.name, "consultation": contribution.consultation.title}
    if contribution.status == Contribution.Status.APPROVED:
        context["link"] = emails.absolute(f"{page}#contribution-{contribution.pk}")
        subject = gettext_noop("Your contribution to the consultation is public")
        template = "approved"
    else:
        code = contribution.rejection_code
        # The standard reason in English, as the catalogue has it: the email translates it.
        standard = "" if code in {"", "other"} else Contribution.RejectionReason(code).label
        with translation.override("en"):
            standard = str(standard)
        context |= {"reason": standard, "note": contribution.rejection_reason}
        context["link"] = emails.absolute(page)
        subject, template = gettext_noop("Your contribution to the consultation"), "rejected"
    emails.queue(
        to=contribution.email,
        language=contribution.language,
        subject=subject,
        template=template,
        context=context,
    )


def decided_by_others(*, requested: list[int], decided: list[Contribution]) -> QuerySet:
    """Of the contributions a moderator asked to decide, those that were no longer waiting."""
    return (
        Contribution.objects.filter(pk__in=requested)
        .exclude(pk__in=[contribution.pk for contribution in decided])
        .select_related("moderated_by")
        .order_by("pk")
    )


def clause_labels(text: dict | None) -> dict[str, str]:
    """Each clause key of a consulted text (`Consultation.text`) to what moderators call it:
    "The whole text", "Title and preamble", "Principle 2", "Principle 2, action line 3"."""
    labels = {"": _("The whole text"), "version": _("Title and preamble")}
    for number, principle in enumerate((text or {}).get("principles", []), start=1):
        labels[principle["key"]] = _("Principle %(number)s") % {"number": number}
        for line_number, line in enumerate(principle["action_lines"], start=1):
            labels[line["key"]] = _("Principle %(number)s, action line %(line)s") % {
                "number": number,
                "line": line_number,
            }
    return labels


# Contributions from one email address, across consultations, from which it is worth a look.
MANY_FROM_ONE_EMAIL = 5
# A comment shorter than this (in characters) rarely says anything about the text.
VERY_SHORT = 15
LINK = re.compile(r"https?://|www\.|\b[a-z0-9-]+\.(?:com|net|org|info|biz|ru|cn|io)\b", re.I)
# The writing system each language of the site is written in, as ranges of code points.
SCRIPTS = {
    "latin": [(0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F)],
    "arabic": [(0x600, 0x6FF), (0x750, 0x77F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)],
    "cyrillic": [(0x400, 0x4FF)],
    "han": [(0x3400, 0x4DBF), (0x4E00, 0x9FFF)],
}
SCRIPT_OF_LANGUAGE = {"en": "latin", "fr": "latin", "es": "latin", "ar": "arabic"}
SCRIPT_OF_LANGUAGE |= {"ru": "cyrillic", "zh-hans": "han"}


def script_of(character: str) -> str | None:
    point = ord(character)
    for script, ranges in SCRIPTS.items():
        if any(low <= point <= high for low, high in ranges):
            return script
    return None


def in_another_script(text: str, language: str) -> bool:
    """Whether most letters of `text` are not in the script `language` is written in: a cheap
    sign that the text is not in the language the participant chose (fr for en is not seen)."""
    scripts = Counter(script_of(character) for character in text[:2000] if character.isalpha())
    letters = sum(scripts.values())
    expected = SCRIPT_OF_LANGUAGE.get(language)
    return bool(expected) and letters >= 10 and scripts[expected] * 2 < letters


@dataclass
class QueueEntry:
    contribution: Contribution
    clause: str
    flags: list[str] = field(default_factory=list)


def queue_entries(contributions: list[Contribution]) -> list[QueueEntry]:
    """Each contribution with its clause's label and what a moderator should look at twice.
    Two queries for the whole page, whatever its length."""
    emails_used = dict(
        Contribution.objects.filter(email__in={c.email for c in contributions if c.email})
        .values_list("email")
        .annotate(count=Count("pk"))
    )
    repeated = set(
        Contribution.objects.filter(body__in={c.body for c in contributions if c.body})
        .values_list("body")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
        .values_list("body", flat=True)
    )
    labels = {}
    entries = []
    for contribution in contributions:
        consultation = contribution.consultation
        if consultation.pk not in labels:
            labels[consultation.pk] = clause_labels(consultation.text)
        clause = labels[consultation.pk].get(contribution.item_key) or _(
            "A clause no longer in the text"
        )
        flags = flags_of(contribution, emails_used.get(contribution.email, 0), repeated)
        entries.append(QueueEntry(contribution, clause, flags))
    return entries


def flags_of(contribution: Contribution, from_email: int, repeated: set[str]) -> list[str]:
    text = f"{contribution.body}\n{contribution.proposed_text}"
    flags = []
    if LINK.search(text):
        flags.append(_("The text contains a link."))
    if from_email >= MANY_FROM_ONE_EMAIL:
        flags.append(
            _("%(count)d contributions come from this email address.") % {"count": from_email}
        )
    webmail = bool(contribution.email) and organisation_domain(contribution.email) == ""
    if webmail and contribution.organisation_name:
        flags.append(_("An organisation's contribution from a personal webmail address."))
    if in_another_script(text, contribution.language):
        flags.append(
            _("The text does not look written in the language chosen (%(language)s).")
            % {"language": contribution.get_language_display()}
        )
    if len(contribution.body.strip()) < VERY_SHORT and not contribution.proposed_text:
        flags.append(_("Very short text."))
    if contribution.body in repeated:
        flags.append(_("The same text was sent in another contribution."))
    if contribution.parent and contribution.parent.status != Contribution.Status.APPROVED:
        flags.append(
            _("It replies to a contribution that is not public (%(status)s).")
            % {"status": contribution.parent.get_status_display().lower()}
        )
    return flags

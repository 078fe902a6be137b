"""The emails an endorser receives. They are plain text, so user text shown in them cannot
become markup; subjects never contain user text, so it cannot forge a header."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from principles.models import Version

from .models import LINK_PURPOSES, Endorsement


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def send(endorsement: Endorsement, *, subject: str, template: str, **context) -> None:
    body = render_to_string(
        f"emails/endorsements/{template}.txt", {"endorsement": endorsement, **context}
    )
    EmailMessage(subject=subject, body=body, to=[endorsement.contact_email]).send()


def send_expiring_link(endorsement: Endorsement, *, purpose: str, view: str, **message) -> None:
    """Email a link for `purpose` (see `models.LINK_PURPOSES`) to the page `view`, which works for
    ENDORSEMENT_CONFIRMATION_DAYS days; `message` is the subject and the template."""
    url = absolute(reverse(view, args=[endorsement.link_token(purpose)]))
    send(endorsement, link_url=url, days=settings.ENDORSEMENT_CONFIRMATION_DAYS, **message)


def send_confirmation(endorsement: Endorsement, **_unused) -> None:
    # "This wasn't us": whoever owns the address can cancel what someone else sent from it.
    cancel_token = endorsement.link_token("cancel")
    send_expiring_link(
        endorsement,
        purpose="confirm",
        view="endorsements:confirm",
        subject=_("Please confirm your endorsement"),
        template="confirmation",
        cancel_url=absolute(reverse("endorsements:cancel", args=[cancel_token])),
    )


def send_approval(endorsement: Endorsement, **_unused) -> None:
    send(
        endorsement,
        subject=_("Your endorsement is now public"),
        template="approval",
        list_url=absolute(reverse("endorsements:list")),
        certificate_url=absolute(
            reverse("endorsements:certificate", args=[endorsement.link_token("certificate")])
        ),
        withdraw_url=absolute(reverse("endorsements:withdraw-request")),
        manage_url=manage_url(endorsement),
    )


def manage_url(endorsement: Endorsement) -> str:
    return absolute(reverse("endorsements:manage", args=[endorsement.link_token("manage")]))


def send_manage_link(endorsement: Endorsement, **_unused) -> None:
    send(
        endorsement,
        subject=_("Your link to manage your endorsement"),
        template="manage",
        link_url=manage_url(endorsement),
        days=LINK_PURPOSES["manage"]().days,
    )


def send_change_decision(endorsement: Endorsement, **_unused) -> None:
    """The decision on the latest name or country change the endorser asked for."""
    send(
        endorsement,
        subject=_("About the change to your endorsement"),
        template="change_decided",
        change=endorsement.changes.filter(status__in=["approved", "declined"]).latest(
            "decided_at", "pk"
        ),
        manage_url=manage_url(endorsement),
    )


def send_rejection(endorsement: Endorsement, **_unused) -> None:
    send(
        endorsement,
        subject=_("About your endorsement of the declaration"),
        template="rejection",
        endorse_url=absolute(reverse("endorsements:endorse")),
    )


def send_withdrawal_link(endorsement: Endorsement, **_unused) -> None:
    send_expiring_link(
        endorsement,
        purpose="withdraw",
        view="endorsements:withdraw",
        subject=_("Your link to withdraw an endorsement"),
        template="withdrawal",
    )


def send_reconfirmation_request(endorsement: Endorsement, *, version_id: int) -> None:
    version = Version.objects.get(pk=version_id)
    earlier = endorsement.latest_version
    token = endorsement.link_token("reconfirm", v=version.pk)
    compare_path = reverse("principles:compare", args=[earlier.number, version.number])
    send(
        endorsement,
        subject=_("A new version of the declaration you endorsed"),
        template="reconfirmation",
        earlier=earlier,
        version=version,
        version_url=absolute(reverse("principles:version", args=[version.number])),
        compare_url=absolute(compare_path),
        reconfirm_url=absolute(reverse("endorsements:reconfirm", args=[token])),
    )


SENDERS = {
    "confirmation": send_confirmation,
    "approval": send_approval,
    "rejection": send_rejection,
    "withdrawal": send_withdrawal_link,
    "reconfirmation": send_reconfirmation_request,
    "manage": send_manage_link,
    "change-approved": send_change_decision,
    "change-declined": send_change_decision,
}

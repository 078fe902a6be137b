"""How far an endorser is known to be the organisation it names (Endorsement.TrustLevel).

*Domain confirmed*: the contact confirmed an address at the website's own registrable domain,
the part of a host name one registers (unesco.org for en.unesco.org, and example.co.uk, not
co.uk), read from the Public Suffix List that the publicsuffixlist package ships: no network at
run time. *Verified*: a Moderator recorded how they verified it. Otherwise *self-declared*.
"""

import functools

from publicsuffixlist import PublicSuffixList

from declaration_site.email_domains import domain_of_email

from .models import Endorsement
from .names import domain_of_url


@functools.cache
def public_suffix_list() -> PublicSuffixList:
    return PublicSuffixList()


def registrable_domain(host: str) -> str:
    """The registrable domain of `host` (IDNs in their ASCII form), or "" for none (a bare
    public suffix, an IP address, a name without a dot)."""
    host = host.strip().rstrip(".").lower()
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return ""
    return public_suffix_list().privatesuffix(host) or ""


def domain_is_confirmed(endorsement: Endorsement) -> bool:
    """Whether a confirmed contact's email is at the website's registrable domain."""
    if endorsement.confirmed_at is None or not endorsement.website:
        return False
    email_domain = registrable_domain(domain_of_email(endorsement.contact_email))
    return email_domain != "" and email_domain == registrable_domain(
        domain_of_url(endorsement.website)
    )


def trust_level_of(endorsement: Endorsement) -> str:
    if endorsement.verified_at is not None:
        return Endorsement.TrustLevel.VERIFIED
    if domain_is_confirmed(endorsement):
        return Endorsement.TrustLevel.DOMAIN_CONFIRMED
    return Endorsement.TrustLevel.SELF_DECLARED

"""How far an endorser is known to be the organisation it names (Endorsement.TrustLevel).

*Domain confirmed*: the contact confirmed an address at the website's own registrable domain,
the part of a host name one registers (unesco.org for en.unesco.org, and example.co.uk, not
co.uk), read from the Public Suffix List that the publicsuffixlist package ships: no network at
run time. *Verified*: a Moderator recorded how they verified it. Otherwise *self-declared*.

The level is stored on the endorsement, so that the list can filter and count by it, and is
computed again on every event that can change it: the contact confirming, a Moderator
verifying or withdrawing a verification, the website or the contact email changing
(`refresh_trust_level`). This module reads no model at import: the models call it.
"""

import functools
import ipaddress
import re

from publicsuffixlist import PublicSuffixList

from declaration_site.email_domains import WEBMAIL_DOMAINS, domain_of_email

from .names import domain_of_url

# What a host name is made of once in ASCII: IDNA lets control characters and symbols through.
HOST_NAME = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*")


@functools.cache
def public_suffix_list() -> PublicSuffixList:
    return PublicSuffixList()


def is_ip_address(host: str) -> bool:
    """Whether `host` is an IP address, bare or as an email's literal ("[192.0.2.1]",
    "[IPv6:2001:db8::1]"): an address names a machine, not an organisation."""
    literal = host.strip("[]").removeprefix("IPv6:").removeprefix("ipv6:")
    try:
        ipaddress.ip_address(literal)
    except ValueError:
        return False
    return True


def registrable_domain(host: str) -> str:
    """The registrable domain of `host` (IDNs in their ASCII form), or "" for none (a bare
    public suffix, an IP address, a name without a dot)."""
    host = host.strip().rstrip(".").lower()
    if not host or is_ip_address(host):
        return ""
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return ""
    if not HOST_NAME.fullmatch(host):
        return ""
    return public_suffix_list().privatesuffix(host) or ""


def domains_match(*, email: str, website: str) -> bool:
    """Whether `email` is at the registrable domain of `website`: mail.unesco.org matches
    www.unesco.org, unesco.org.evil.com does not match unesco.org, and webmail never matches
    (anyone can have an address at gmail.com, even gmail.com's own website)."""
    email_domain = registrable_domain(domain_of_email(email)) if "@" in email else ""
    if email_domain in WEBMAIL_DOMAINS:
        return False
    return email_domain != "" and email_domain == registrable_domain(domain_of_url(website))


def domain_is_confirmed(endorsement) -> bool:
    """Whether a confirmed contact's email is at the website's registrable domain."""
    if endorsement.confirmed_at is None or not endorsement.website:
        return False
    return domains_match(email=endorsement.contact_email, website=endorsement.website)


def trust_level_of(endorsement) -> str:
    levels = endorsement.TrustLevel
    if endorsement.verified_at is not None:
        return levels.VERIFIED
    if domain_is_confirmed(endorsement):
        return levels.DOMAIN_CONFIRMED
    return levels.SELF_DECLARED


def refresh_trust_level(endorsement) -> bool:
    """Store the level that the endorsement's current fields give it, after its website or
    contact email changed. Returns whether the level changed: when it did and the endorsement
    is public, the caller refreshes the public pages (`services.refresh_signatory_pdfs`)."""
    level = trust_level_of(endorsement)
    if level == endorsement.trust_level:
        return False
    endorsement.trust_level = level
    endorsement.save(update_fields=["trust_level"])
    return True

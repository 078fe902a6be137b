"""Who a request comes from, as the rate limits and django-axes' sign-in lockouts count it.

Both use `client_ip`, so that behind a proxy a sign-in lockout and a rate limit apply to the
same address: the visitor's, never the proxy's. The forms that email a link to an address
anyone may type (endorsement links, password resets) also count by that inbox
(`too_many_emails_asked`).
"""

import ipaddress
import logging

from django.conf import settings
from django_ratelimit.core import is_ratelimited

logger = logging.getLogger(__name__)

# Where a client is counted when no address can be read at all (REMOTE_ADDR is empty behind a
# Unix socket): together, which is safe, rather than a 500.
UNKNOWN_CLIENT = "0.0.0.0"
# django-axes keeps the username of a failed sign-in in a column of this length.
LOCKOUT_USERNAME_LENGTH = 255


def client_ip(request) -> str:
    """The client's address: from the header named by `CLIENT_IP_META_KEY` behind a proxy (the
    environment's RATELIMIT_IP_META_KEY), else REMOTE_ADDR.

    A header sent twice reaches Django as "a, b" (a proxy that appends rather than
    overwrites): the last valid address is the one our proxy wrote, the others are what the
    client claimed. A missing or garbled header is the proxy's misconfiguration, not the
    visitor's fault: the request is counted under REMOTE_ADDR and a warning is logged.
    """
    meta_key = settings.CLIENT_IP_META_KEY
    if meta_key:
        found = last_valid_address(request.META.get(meta_key, ""))
        if found:
            return found
        logger.warning(
            "No valid client address in %s (%r); counting the request under REMOTE_ADDR.",
            meta_key,
            request.META.get(meta_key, "")[:100],
        )
    return last_valid_address(request.META.get("REMOTE_ADDR", "")) or UNKNOWN_CLIENT


def network_of(address: str) -> str:
    """The network `address` is in, as the fraud tools count submissions: its /24 for IPv4
    (an IPv4 address written as IPv6 included), its /48 for IPv6, the block a site or a small
    provider's customer usually gets. "" for anything that is not an address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def client_network(request) -> str:
    """The network of the client's address (`network_of`), never the address itself; "" when
    no address could be read."""
    address = client_ip(request)
    return "" if address == UNKNOWN_CLIENT else network_of(address)


def last_valid_address(value: str) -> str:
    """The last IP address in a comma-separated header value, normalised, or ""."""
    for candidate in reversed(value.split(",")):
        try:
            return str(ipaddress.ip_address(candidate.strip()))
        except ValueError:
            continue
    return ""


def lockout_username(request, credentials) -> str | None:
    """The username django-axes counts a failed sign-in under: the one typed, cut to the
    length of axes' column (PostgreSQL refuses a longer one with a 500) and without NUL
    characters, which no database text column holds. Nobody's username is that long, so two
    long ones sharing a beginning share a lockout, which only ever locks out a guesser."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    if not username:
        return username
    return str(username).replace("\x00", "")[:LOCKOUT_USERNAME_LENGTH]


def posted_email(group, request) -> str:
    """The posted email as the per-inbox limit counts it: without the spaces around it and in
    lower case, so that "Ana@Example.org " is the same inbox as "ana@example.org". The local
    part is case-sensitive by the standard, but no mail server we know of treats it so, and
    one inbox flooded under two spellings is the abuse this limit is for."""
    return request.POST.get("email", "").strip().lower()


def too_many_emails_asked(request, *, group: str) -> bool:
    """Whether this post, which asks the site to email a link to the posted address, goes
    past the limits of `group`: each inbox and each client a few times an hour, so that
    nobody can use the site to flood an inbox. Every post counts, whether or not the address
    is known, so that reaching the limit tells nothing either."""
    limits = [(posted_email, "3/h"), ("ip", "10/h")]
    reached = [
        is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True)
        for key, rate in limits
    ]
    return any(reached)

"""Email domains: whether an address is one anyone can get (webmail) or an organisation's."""

# Addresses anyone can get: sharing one of these domains says nothing about an organisation.
WEBMAIL_DOMAINS = {
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "icloud.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.de",
    "gmx.net",
    "mail.ru",
    "yandex.ru",
    "qq.com",
    "163.com",
    "126.com",
}


def domain_of_email(email: str) -> str:
    return email.rpartition("@")[2].lower()


def organisation_domain(email: str) -> str:
    """The email's domain, or "" for webmail, which says nothing about an organisation."""
    domain = domain_of_email(email)
    return "" if domain in WEBMAIL_DOMAINS else domain


# Webmail services that ignore dots in the part before the @ ("a.b@gmail.com" is "ab@gmail.com").
DOTS_IGNORED = {"gmail.com", "googlemail.com"}
# Services that deliver "name+anything@" to "name@": almost all of them, organisations' included.
ONE_MAILBOX_DOMAINS = {"googlemail.com": "gmail.com"}


def mailbox_key(email: str) -> str:
    """The inbox an address reaches, as one key: lower case, without a "+tag", without the dots
    Gmail ignores, and googlemail.com as gmail.com. Aliases of one inbox share the key, so the
    fraud tools count them as one address. A domain's final dot is dropped; a local part that
    would be left empty ("+tag@", "...@gmail.com") is kept as it is, so that such addresses do
    not all share one key."""
    local, _at, domain = email.strip().lower().rpartition("@")
    if not local:
        return email.strip().lower()
    domain = domain.rstrip(".")
    domain = ONE_MAILBOX_DOMAINS.get(domain, domain)
    local = local.partition("+")[0] or local
    if domain in DOTS_IGNORED:
        local = local.replace(".", "") or local
    return f"{local}@{domain}"

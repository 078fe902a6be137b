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

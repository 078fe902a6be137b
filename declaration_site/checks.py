"""Checks that `manage.py check --deploy` adds for this site's production layout."""

from django.conf import settings
from django.core import checks

from . import partner_lockup

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@checks.register(checks.Tags.caches, deploy=True)
def cache_is_shared(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Production runs several processes: rate limits, the public page cache's invalidation and
    the PDFs' signatory digests only hold when they all share one cache."""
    if settings.CACHES["default"]["BACKEND"] not in PER_PROCESS_CACHES:
        return []
    return [
        checks.Warning(
            "CACHE_URL is not shared between processes: each gunicorn worker would count rate "
            "limits on its own and serve pages that other workers' changes made stale.",
            hint="Set CACHE_URL=redis://host:6379/0, as the README's production layout says.",
            id="declaration_site.W001",
        )
    ]


@checks.register()
def partner_lockup_can_be_shown(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A lockup that is set but cannot be shown is a mistake to hear of before a page omits it."""
    if not settings.PARTNER_LOCKUP:
        return []
    errors = []
    try:
        partner_lockup.load()
    except (partner_lockup.LockupRefused, OSError) as error:
        errors.append(
            checks.Error(
                f"The partner lockup cannot be shown: {error}",
                hint="Set PARTNER_LOCKUP to a PNG, JPEG, WebP or SVG file, or leave it empty.",
                id="declaration_site.E010",
            )
        )
    try:
        has_english = "en" in partner_lockup.alt_texts()
    except partner_lockup.LockupRefused as error:
        errors.append(checks.Error(str(error), id="declaration_site.E011"))
    else:
        if not has_english:
            errors.append(
                checks.Error(
                    "PARTNER_LOCKUP_ALT gives no English text for the partner lockup.",
                    hint='Set it to {"en": "…", "ar": "…", …}, or to the English text alone.',
                    id="declaration_site.E011",
                )
            )
    return errors


@checks.register(deploy=True)
def source_code_is_offered(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """The AGPL asks that everyone using the site over the network can get its source code."""
    if settings.SOURCE_CODE_URL:
        return []
    return [
        checks.Warning(
            "SOURCE_CODE_URL is not set: the footer cannot link to the site's source code.",
            hint="Set it to the public repository of the code this site runs (AGPL-3.0, § 13).",
            id="declaration_site.W002",
        )
    ]


@checks.register(deploy=True)
def pdf_signatures_are_long_term(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Published declarations are kept and cited for years, longer than a certificate lives."""
    if settings.PDF_TIMESTAMP_URL:
        return []
    return [
        checks.Warning(
            "PDF_TIMESTAMP_URL is not set: PDFs are signed without a timestamp (PAdES-B-B) and "
            "stop verifying when the signing certificate expires.",
            hint="Set PDF_TIMESTAMP_URL to an RFC 3161 timestamp authority and "
            "PDF_TIMESTAMP_TRUST to its root certificate (README, Long-term validation).",
            id="declaration_site.W019",
        )
    ]


@checks.register()
def timestamp_authority_can_be_checked(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A timestamp that nobody can check makes no signature long-term."""
    if not settings.PDF_TIMESTAMP_URL or settings.PDF_TIMESTAMP_TRUST:
        return []
    return [
        checks.Error(
            "PDF_TIMESTAMP_URL is set but PDF_TIMESTAMP_TRUST is not: the timestamps could not "
            "be checked.",
            hint="Set PDF_TIMESTAMP_TRUST to a PEM file with the authority's root certificate.",
            id="declaration_site.E019",
        )
    ]

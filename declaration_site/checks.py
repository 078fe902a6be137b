"""Checks that `manage.py check --deploy` adds for this site's production layout."""

from django.conf import settings
from django.core import checks

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

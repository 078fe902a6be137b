from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DeclarationSiteConfig(AppConfig):
    """The site as a whole: its system checks and recurring jobs."""

    name = "declaration_site"

    def ready(self):
        from . import checks  # noqa: F401 - registers the checks
        from .tasks import queue_periodic_jobs

        post_migrate.connect(queue_periodic_jobs, sender=self)

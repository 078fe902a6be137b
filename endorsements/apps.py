from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class EndorsementsConfig(AppConfig):
    name = "endorsements"
    verbose_name = _("Endorsements")

    def ready(self):
        from .tasks import queue_periodic_jobs

        post_migrate.connect(queue_periodic_jobs, sender=self)

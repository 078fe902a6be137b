from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PrinciplesConfig(AppConfig):
    name = "principles"
    verbose_name = _("Declaration text")

    def ready(self):
        from .consultation.purge import queue_periodic_jobs

        # Connects the receiver that remembers the language each member of staff signs in in.
        from .drafting import notifications  # noqa: F401
        from .pdf.renewal import queue_periodic_jobs as queue_pdf_jobs

        # Starts the daily purge of unconfirmed contributions after every migrate.
        post_migrate.connect(queue_periodic_jobs, sender=self)
        # Starts the daily renewal of the stored PDFs' timestamps after every migrate.
        post_migrate.connect(queue_pdf_jobs, sender=self)

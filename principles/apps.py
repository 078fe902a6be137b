from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrinciplesConfig(AppConfig):
    name = "principles"
    verbose_name = _("Declaration text")

    def ready(self):
        # Connects the receiver that remembers the language each member of staff signs in in.
        from .drafting import notifications  # noqa: F401

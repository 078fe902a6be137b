from django.apps import AppConfig


class DeclarationSiteConfig(AppConfig):
    """The site as a whole: its system checks."""

    name = "declaration_site"

    def ready(self):
        from . import checks  # noqa: F401 - registers the checks

from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class EndorsementsConfig(AppConfig):
    name = "endorsements"
    verbose_name = _("Endorsements")

    def ready(self):
        from .tasks import queue_periodic_jobs

        post_migrate.connect(queue_periodic_jobs, sender=self)
        checks.register(map_shapes_installed)


def map_shapes_installed(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """The list of endorsers draws its map from world-atlas, an npm package: without it the page
    cannot be drawn, so the server refuses to start rather than answer 500."""
    from .statistics.map import SHAPES_FILE

    if SHAPES_FILE.is_file():
        return []
    return [
        checks.Error(
            f"The world map's shapes are missing ({SHAPES_FILE}).",
            hint="Install the npm packages: `make setup node_modules/.installed`, or `npm ci`.",
            id="endorsements.E001",
        )
    ]

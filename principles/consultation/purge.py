"""The daily purge of contributions never confirmed: the participant's details are kept no
longer than the confirmation link works."""

from django_tasks import task

from declaration_site import periodic

from ..models import Contribution


@task()
def purge_unconfirmed_contributions() -> str:
    """Every day: delete the unconfirmed contributions whose confirmation link has expired,
    with the participant's details. They were never public, so no public page changes."""
    periodic.ensure_queued(purge_unconfirmed_contributions, after=periodic.DAILY)
    _deleted, by_model = Contribution.objects.expired_unconfirmed().delete()
    count = by_model.get(Contribution._meta.label, 0)
    return f"deleted {count} expired unconfirmed contribution(s)"


def queue_periodic_jobs(**kwargs) -> None:
    """After `migrate`: start the purge where no run is waiting."""
    periodic.ensure_queued(purge_unconfirmed_contributions)

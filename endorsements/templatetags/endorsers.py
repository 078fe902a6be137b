from django import template

from endorsements.models import Endorsement

register = template.Library()


@register.simple_tag
def endorsers_of(version):
    """The counts a version's page shows: how many organisations endorse it and the declaration."""
    return Endorsement.objects.public().totals(version)

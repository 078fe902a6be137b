"""Where endorsers are and how they came over time: the hourly series as open data. The map
and the chart are drawn on /endorsers/ (`endorsements.views.endorser_list`)."""

from django.views.decorators.http import require_safe

from ..models import OpenDataFile
from ..open_data import stored_file_response
from . import hourly as series

KINDS = {"csv": OpenDataFile.Kind.HOURLY_CSV, "json": OpenDataFile.Kind.HOURLY_JSON}


@require_safe
def hourly(request, kind: str):
    """The stored series, served like the other open data files: one query, or a 304."""
    return stored_file_response(request, series.file_to_serve(KINDS[kind]))

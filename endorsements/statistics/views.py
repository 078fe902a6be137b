"""Where endorsers are and how they came over time: the map and the hourly series."""

from django.http import Http404


def hourly(request, kind):
    raise Http404  # Built by the "map and time series" part of issue 16.

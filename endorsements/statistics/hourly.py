"""The hourly series as open data (`/endorsers/hourly.csv` and `/endorsers/hourly.json`): for
each hour in UTC in which something happened, how many endorsements were confirmed, approved,
withdrawn from the public list and had their approval revoked. Counts only, never a name.

Stored like the open data files of the list, and for the same reason: a download reads one row
and streams a file, whatever the number of hours. `tasks.build_hourly_series` writes both files
after each confirmation, approval, withdrawal and revocation (`services.hourly_series_changed`);
the content hash makes a build that changes nothing store nothing. A table of hours would have
cost a query and a rendering of every hour per download, and a second copy of what the
endorsements' dates already say.
"""

import csv
import io
import json
import tempfile
from collections import defaultdict
from contextlib import ExitStack
from datetime import UTC, timedelta

from django.utils import timezone

from declaration_site.spreadsheets import neutralise

from ..models import Endorsement, OpenDataFile
from ..open_data import Output, store

EVENTS = ["confirmations", "approvals", "withdrawals", "revocations"]
FIELDS = ["hour", *EVENTS]
DESCRIPTION = (
    "For each hour (UTC, ISO 8601, the hour it starts) in which anything happened: how many"
    " endorsements were confirmed by email, approved by a moderator, withdrawn by their"
    " organisation after approval, and had their approval revoked. Hours in which nothing"
    " happened are left out. Endorsers on the public list = approvals - withdrawals -"
    " revocations, added up over all hours."
)


def hourly_rows() -> list[dict]:
    """One dict per hour with something in it, oldest first; every event counted, zeros
    included."""
    hours = defaultdict(lambda: dict.fromkeys(EVENTS, 0))
    for hour, event, total in Endorsement.objects.events_by_hour():
        hours[hour][event] = total
    return [{"hour": hour, **counts} for hour, counts in sorted(hours.items())]


def iso_hour(hour) -> str:
    return hour.astimezone(UTC).strftime("%Y-%m-%dT%H:00:00Z")


def write_series(rows: list[dict], *, files: ExitStack) -> list[Output]:
    """The CSV (a header row even with no hour) and the JSON, in temporary files."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELDS)
    for row in rows:
        writer.writerow(neutralise(value) for value in [iso_hour(row["hour"]), *row_counts(row)])
    document = {
        "description": DESCRIPTION,
        "fields": FIELDS,
        "hours": [{**row, "hour": iso_hour(row["hour"])} for row in rows],
    }
    contents = {
        OpenDataFile.Kind.HOURLY_CSV: buffer.getvalue().encode(),
        OpenDataFile.Kind.HOURLY_JSON: json.dumps(document, indent=None).encode(),
    }
    outputs = []
    for kind, data in contents.items():
        output = Output(kind, files.enter_context(tempfile.SpooledTemporaryFile(1024 * 1024)))  # noqa: SIM115
        output.write(data)
        outputs.append(output)
    return outputs


def row_counts(row: dict) -> list[int]:
    return [row[event] for event in EVENTS]


def build_hourly_series() -> list[OpenDataFile]:
    """Count the events by hour (one query) and store both files, unless the stored ones hold
    exactly this already."""
    taken_at = timezone.now()
    rows = hourly_rows()
    with ExitStack() as files:
        return [
            store(output, row_count=len(rows), taken_at=taken_at)
            for output in write_series(rows, files=files)
        ]


def file_to_serve(kind: str) -> OpenDataFile:
    """The newest stored series of `kind`: one query. On a fresh deploy, before any build,
    this request builds it (one query and two small files)."""
    if found := OpenDataFile.objects.filter(kind=kind).newest_first().first():
        return found
    return {built.kind: built for built in build_hourly_series()}[kind]


# Up to this many days from the first approval to the last change, the chart shows days;
# beyond, months.
DAILY_SPAN_DAYS = 62


def endorsers_over_time(events: list[tuple]) -> dict:
    """The change in the number of public endorsers (approvals minus withdrawals and
    revocations) per day or per month, every day or month from the first approval to the last
    change included, from `Endorsement.objects.events_by_hour()`."""
    net = defaultdict(int)
    for hour, event, total in events:
        if event != "confirmations":
            net[hour.date()] += total if event == "approvals" else -total
    if not net:
        return {"by_day": True, "changes": []}
    first, last = min(net), max(net)
    if (last - first).days <= DAILY_SPAN_DAYS:
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        return {"by_day": True, "changes": [(day, net.get(day, 0)) for day in days]}
    by_month = defaultdict(int)
    for day, change in net.items():
        by_month[day.replace(day=1)] += change
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append((month, by_month.get(month, 0)))
        month = (month + timedelta(days=31)).replace(day=1)
    return {"by_day": False, "changes": months}

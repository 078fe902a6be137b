"""What the activity page shows: submissions in a window by hour, by email domain and by
network, each with counts by status, and the spikes among them.

Each table is one aggregate query over the window's rows (found by endorsement_submitted_idx);
the domains are grouped by their full name in SQL and folded to registrable domains here,
since the Public Suffix List is not in the database.

A spike is a row at least SPIKE_MINIMUM strong and more than SPIKE_FACTOR times the median of
the table's other rows (for hours, every hour of the window, the empty ones included): an hour,
a domain or a network far above what is usual in the same window. Fewer than SPIKE_MINIMUM is
never a spike, however quiet the rest.
"""

import statistics
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q, Value
from django.db.models.functions import StrIndex, Substr, TruncHour

from ..models import Endorsement
from ..trust import registrable_domain

SPIKE_MINIMUM = 10
SPIKE_FACTOR = 3

Status = Endorsement.Status
# The columns of each table: how many are in each state now.
COLUMNS = {
    "unconfirmed": Q(status=Status.UNCONFIRMED),
    "waiting": Q(status=Status.CONFIRMED),
    "approved": Q(status=Status.APPROVED),
    "removed": Q(status__in=Endorsement.SWEPT_STATUSES),
    "cancelled": Q(status=Status.CANCELLED),
}


@dataclass
class Row:
    key: object
    total: int = 0
    addresses: int = 0
    counts: dict = field(default_factory=dict)
    spike: bool = False

    def add(self, other: dict) -> None:
        self.total += other["total"]
        self.addresses += other.get("addresses", 0)
        for column in COLUMNS:
            self.counts[column] = self.counts.get(column, 0) + other[column]


def aggregates(*, addresses: bool = False) -> dict:
    counted = {"total": Count("pk"), **{name: Count("pk", filter=q) for name, q in COLUMNS.items()}}
    if addresses:
        # Aliases of one inbox share an email key: they count once.
        counted["addresses"] = Count("email_key", distinct=True)
    return counted


def mark_spikes(rows: list[Row]) -> list[Row]:
    totals = [row.total for row in rows]
    for index, row in enumerate(rows):
        others = totals[:index] + totals[index + 1 :]
        usual = statistics.median(others) if others else 0
        row.spike = row.total >= SPIKE_MINIMUM and row.total > SPIKE_FACTOR * usual
    return rows


def by_hour(submitted, *, start, end) -> list[Row]:
    """A row per hour of the window, oldest first, empty hours included."""
    rows = (
        submitted.order_by()
        .annotate(hour=TruncHour("submitted_at"))
        .values("hour")
        .annotate(**aggregates())
    )
    found = {row["hour"]: row for row in rows}
    hours, hour = [], start.replace(minute=0, second=0, microsecond=0)
    while hour < end:
        row = Row(hour, counts=dict.fromkeys(COLUMNS, 0))
        if hour in found:
            row.add(found[hour])
        hours.append(row)
        hour += timedelta(hours=1)
    return mark_spikes(hours)


def by_domain(submitted) -> list[Row]:
    """A row per registrable email domain (erased addresses left out), the largest first."""
    domain = Substr("email_key", StrIndex("email_key", Value("@")) + Value(1))
    rows = (
        submitted.exclude(email_key="")
        .order_by()
        .values(domain=domain)
        .annotate(**aggregates(addresses=True))
    )
    folded: dict[str, Row] = {}
    for row in rows:
        key = registrable_domain(row["domain"]) or row["domain"]
        folded.setdefault(key, Row(key)).add(row)
    return largest(mark_spikes(list(folded.values())))


def by_network(submitted) -> list[Row]:
    """A row per network (/24 or /48) submissions came from, the largest first."""
    rows = (
        submitted.exclude(submitted_from="")
        .order_by()
        .values("submitted_from")
        .annotate(**aggregates(addresses=True))
    )
    networks = [Row(row["submitted_from"]) for row in rows]
    for network, row in zip(networks, rows, strict=True):
        network.add(row)
    return largest(mark_spikes(networks))


def largest(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: (-row.total, str(row.key)))


def totals(*, hours: list[Row], domains: list[Row]) -> Row:
    """The window's totals, from its tables rather than one more query: every submission is in
    one hour, and every address in one domain."""
    row = Row("all", counts=dict.fromkeys(COLUMNS, 0))
    for hour in hours:
        row.add({"total": hour.total, **hour.counts})
    row.addresses = sum(domain.addresses for domain in domains)
    return row


# Drawing the hours as columns: no JavaScript, a text table beside it.
CHART_WIDTH = 720
CHART_HEIGHT = 160


def hour_columns(hours: list[Row]) -> dict:
    slot = CHART_WIDTH / max(len(hours), 1)
    largest_count = max((row.total for row in hours), default=0) or 1
    columns = []
    for index, row in enumerate(hours):
        height = round(CHART_HEIGHT * row.total / largest_count, 1)
        columns.append(
            {
                "row": row,
                "x": round(index * slot, 2),
                "width": round(max(slot * 0.8, 0.5), 2),
                "y": round(CHART_HEIGHT - height, 1),
                "height": height,
            }
        )
    return {"columns": columns, "width": CHART_WIDTH, "height": CHART_HEIGHT}

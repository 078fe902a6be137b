"""Geometry for the public list's charts, drawn as SVG by the template: no JavaScript, and
each chart carries a text alternative (its title and description, and a table beside it)."""

from dataclasses import dataclass

from django.utils.formats import date_format

# Horizontal bars: labels on the left, bars from LABEL_WIDTH across BAR_SPACE.
LABEL_WIDTH = 170
BAR_SPACE = 370
ROW_HEIGHT = 30
# Columns over time.
CHART_WIDTH = 600
COLUMNS_HEIGHT = 200


@dataclass
class Bar:
    label: str
    value: int
    y: int = 0
    length: float = 0


@dataclass
class Column:
    label: str
    value: int
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0


def labelled(counts: dict, choices) -> list[tuple[str, int]]:
    """(label, count) for every choice, in the choices' order, zeros included."""
    return [(str(label), counts.get(value, 0)) for value, label in choices]


def bars(counts: dict, choices) -> dict:
    """A horizontal bar per choice, scaled to the largest."""
    rows = [Bar(label, value) for label, value in labelled(counts, choices)]
    largest = max((row.value for row in rows), default=0) or 1
    for index, row in enumerate(rows):
        row.y = index * ROW_HEIGHT
        row.length = round(BAR_SPACE * row.value / largest, 1)
    return {
        "rows": rows,
        "height": len(rows) * ROW_HEIGHT,
        "label_width": LABEL_WIDTH,
        "value_x": LABEL_WIDTH + BAR_SPACE + 8,
    }


def columns(changes: list[tuple], *, label_format: str = "M Y") -> dict:
    """A column per period (a day or a month) showing the running total of endorsers, from
    the change in each period."""
    running, points = 0, []
    for period, change in changes:
        running += change
        points.append(Column(date_format(period, label_format), running))
    highest = max((point.value for point in points), default=0) or 1
    slot = CHART_WIDTH / max(len(points), 1)
    for index, point in enumerate(points):
        point.height = round(COLUMNS_HEIGHT * point.value / highest, 1)
        point.x = round(index * slot + slot * 0.1, 1)
        point.width = round(slot * 0.8, 1)
        point.y = round(COLUMNS_HEIGHT - point.height, 1)
    return {"columns": points, "width": CHART_WIDTH, "height": COLUMNS_HEIGHT, "total": running}

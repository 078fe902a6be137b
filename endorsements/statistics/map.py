"""The world map on /endorsers/, drawn on the server as SVG: no JavaScript, no tiles, nothing
from another site.

The shapes are Natural Earth's 1:110m countries as the npm package world-atlas ships them
(TopoJSON, `node_modules/world-atlas/countries-110m.json`, installed by `make`). Each process
decodes them once: the arcs are delta-encoded integers, a ring is a chain of arcs (a negative
index is an arc run backwards), and the points are projected with the Equal Earth projection,
which keeps areas in proportion, as a map coloured by count should. The outlines are simplified
(Douglas-Peucker), coordinates rounded to whole units of a 900-wide view box and written as
relative moves, so the map is 26 to 35 KB (8 to 10 KB compressed) whatever the number of
endorsers.

The counts, colours, names and links change with the list: `world_map()` assembles them once
per change and language (`endorsements.views.public_statistics`), not per request.
"""

import functools
import itertools
import json
import math
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import ngettext
from django_countries import countries

from declaration_site.countries import EndorsementCountries, alphabetical_key

SHAPES_FILE = settings.BASE_DIR / "node_modules" / "world-atlas" / "countries-110m.json"
WIDTH = 900
# Antarctica is left out, and the map cut at these latitudes: it fits a phone's width better.
NORTH, SOUTH = 85, -57
ANTARCTICA = "010"
# Points closer than this (in degrees) to the line through their neighbours are left out: at
# this width a degree is about 2.5 units, so the outlines look the same at 40% fewer bytes.
TOLERANCE = 0.3
# How many colours counts get, from light to dark; countries with none are grey.
STEPS = 5

# Equal Earth (Šavrič, Patterson and Jenny, 2018).
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2
X_MAX = 2.7066297319215575  # x of longitude 180° at the equator


def equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    theta = math.asin(M * math.sin(math.radians(latitude)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = (
        2
        * math.sqrt(3)
        * math.radians(longitude)
        * math.cos(theta)
        / (3 * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    )
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


SCALE = WIDTH / (2 * X_MAX)
TOP = equal_earth(0, NORTH)[1]
HEIGHT = round((TOP - equal_earth(0, SOUTH)[1]) * SCALE)


@dataclass(frozen=True)
class Shape:
    code: str  # ISO 3166-1 alpha-2, or "" for the few shapes that have none (Kosovo, N. Cyprus)
    path: str  # the SVG path's `d`


@functools.cache
def shapes() -> tuple[Shape, ...]:
    """Every country's outline, projected into the view box; read once per process."""
    topology = json.loads(SHAPES_FILE.read_text())
    (scale_x, scale_y) = topology["transform"]["scale"]
    (move_x, move_y) = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + move_x, y * scale_y + move_y))
        # Arcs are simplified, not rings: a border two countries share stays one line.
        arcs.append(simplified(points, TOLERANCE))
    outlines = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry.get("id") == ANTARCTICA:
            continue
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        rings = [ring_points(arcs, ring) for polygon in polygons for ring in polygon]
        code = countries.alpha2(geometry["id"]) if "id" in geometry else ""
        outlines.append(Shape(code or "", "".join(path_of(ring) for ring in rings)))
    return tuple(outlines)


def simplified(points: list, tolerance: float) -> list:
    """Douglas-Peucker: keep the ends, and each point farther than `tolerance` from the line
    between the points kept around it."""
    keep = {0, len(points) - 1}
    spans = [(0, len(points) - 1)]
    while spans:
        first, last = spans.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        farthest, distance = None, tolerance
        for index in range(first + 1, last):
            px, py = points[index]
            away = (
                abs(dy * (px - ax) - dx * (py - ay)) / length
                if length
                else math.hypot(px - ax, py - ay)
            )
            if away > distance:
                farthest, distance = index, away
        if farthest is not None:
            keep.add(farthest)
            spans += [(first, farthest), (farthest, last)]
    return [points[index] for index in sorted(keep)]


def ring_points(arcs: list, indexes: list[int]) -> list[tuple[int, int]]:
    """A ring's points in the view box. Longitudes are unwrapped along the ring, so that
    Fiji or Chukotka, which cross the 180th meridian, run off the map's edge instead of
    across it."""
    points = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    projected, previous = [], None
    for longitude, latitude in points:
        if previous is not None:
            longitude += 360 * round((previous - longitude) / 360)
        previous = longitude
        x, y = equal_earth(longitude, latitude)
        point = (round((x + X_MAX) * SCALE), round((TOP - y) * SCALE))
        if not projected or projected[-1] != point:
            projected.append(point)
    return projected


def path_of(ring: list[tuple[int, int]]) -> str:
    """`M x y l dx dy … z`: relative moves are short numbers. Islands smaller than a unit
    are dropped."""
    if ring[-1] == ring[0]:
        ring = ring[:-1]
    if len(ring) < 3:
        return ""
    moves = [f"{x - px} {y - py}" for (px, py), (x, y) in itertools.pairwise(ring)]
    return f"M{ring[0][0]} {ring[0][1]}l{' '.join(moves)}z".replace(" -", "-")


@dataclass
class CountryCount:
    code: str
    name: str
    count: int
    url: str
    step: int


def steps(largest: int) -> list[int]:
    """The lowest count of each colour: every count its own colour up to STEPS, then bounds
    on a logarithmic scale rounded to 1, 2 or 5 times a power of ten (1, 5, 20, 200, 1000 for
    10,000), so that one country with thousands leaves the others distinguishable."""
    if largest <= STEPS:
        return list(range(1, largest + 1))
    bounds = [1]
    for index in range(1, STEPS):
        target = largest ** (index / STEPS)
        nice = max(
            factor * 10**power
            for power in range(int(math.log10(target)) + 1)
            for factor in (1, 2, 5)
            if factor * 10**power <= target
        )
        bounds.append(max(nice, bounds[-1] + 1))
    return bounds


def step_of(count: int, bounds: list[int]) -> int:
    """0 for none, else 1 (lightest) to len(bounds)."""
    return sum(1 for bound in bounds if count >= bound)


def legend(bounds: list[int], largest: int) -> list[tuple[int, str]]:
    """(step, "5-19", with an en dash) for each colour; the last runs to the largest count."""
    if not bounds:
        return []
    ends = [bound - 1 for bound in bounds[1:]] + [largest]
    return [
        (step, str(low) if low == high else f"{low}\u2013{high}")
        for step, (low, high) in enumerate(zip(bounds, ends, strict=True), start=1)
    ]


def country_counts(counts: dict[str, int]) -> list[CountryCount]:
    """Each country with endorsers, in the active language: most endorsers first, then in
    alphabetical order. "International" is one of them."""
    names = EndorsementCountries()
    bounds = steps(max(counts.values(), default=0))
    list_url = reverse("endorsements:list")
    rows = [
        CountryCount(
            code=code,
            name=str(names.name(code)),
            count=count,
            url=f"{list_url}?country={code}",
            step=step_of(count, bounds),
        )
        for code, count in counts.items()
        if count
    ]
    key = alphabetical_key()
    return sorted(rows, key=lambda row: (-row.count, key(row.name)))


def endorsers_label(name: str, count: int) -> str:
    return ngettext(
        "%(country)s: %(count)s endorser", "%(country)s: %(count)s endorsers", count
    ) % {"country": name, "count": count}


def world_map(counts: dict[str, int]) -> dict:
    """The map's markup and legend, and the table beside it, for `counts` (endorsers by
    country code) in the active language."""
    rows = country_counts(counts)
    by_code = {row.code: row for row in rows}
    largest = max((row.count for row in rows), default=0)
    return {
        "shapes": SafeString(
            "".join(shape_markup(shape, by_code.get(shape.code)) for shape in shapes())
        ),
        "legend": legend(steps(largest), largest),
        "rows": rows,
        "width": WIDTH,
        "height": HEIGHT,
    }


def shape_markup(shape: Shape, row: CountryCount | None) -> str:
    """A country with endorsers is a link to the list filtered to it, named by its `<title>`
    (read by screen readers, shown on hover); one without is a grey shape."""
    if row is None:
        return format_html('<path class="map-0" d="{}"/>', shape.path)
    return format_html(
        '<a href="{}"><title>{}</title><path class="map-{}" d="{}"/></a>',
        row.url,
        endorsers_label(row.name, row.count),
        row.step,
        shape.path,
    )

"""The one vocabulary, read from a seeds directory: what every part checks a figure against.

Units, kinds with their range rule (seeds/kinds.csv: the unit a kind's figures have and the
range their value lies in), qualifiers, metric codes and wordings, pilots, pilot types,
regions and the subjects they make, and the gazetteer the extractor reads with. The extractor,
the door-in checks and the review all ask vocabulary(seeds_dir); it reads the seeds again only
when one of them changed (the gazetteer is built once per content, on first use). The SQL reads
the same seeds as tables (seeds.kinds in audits/assert_percentages_in_range.sql)."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from loaders.metrics import Metric
from loaders.places import places_from_rows
from loaders.subjects import NATIONAL, Gazetteer, Group

SEEDS = ("units", "kinds", "qualifiers", "metrics", "pilots", "pilot_types", "regions")
Rows = tuple[dict[str, str], ...]


@dataclass(frozen=True)
class Bounds:
    """The range rule of one kind: the unit its figures have, and the range their value lies
    in, from min_value (above it, not at it, when strict_min) to max_value; None: no bound."""

    kind: str
    unit: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    strict_min: bool = False

    def holds(self, value: float) -> bool:
        """True if value lies in the range (NaN lies in none)."""
        low = self.min_value is None or (
            value > self.min_value if self.strict_min else value >= self.min_value
        )
        return low and (self.max_value is None or value <= self.max_value)

    def problems(self, value: float, unit: str | None) -> list[str]:
        """What a figure of this kind with this value and unit breaks of the rule, in words
        (a reviewer reads them); none if it keeps it."""
        found = []
        if not self.holds(value):
            found.append(f"a {self.kind} of {value} is {self._range_in_words()}")
        if self.unit is not None and unit != self.unit:
            found.append(f"a {self.kind} figure must have unit {self.unit}, not {unit}")
        return found

    @property
    def between(self) -> dict[str, float | bool]:
        """The range as Great Expectations' ExpectColumnValuesToBeBetween takes it."""
        given = {"min_value": self.min_value, "max_value": self.max_value}
        between: dict[str, float | bool] = {k: v for k, v in given.items() if v is not None}
        if self.strict_min:
            between["strict_min"] = True
        return between

    def _range_in_words(self) -> str:
        low, high = self.min_value, self.max_value
        if low is not None and high is not None:
            return f"outside {low:g} to {high:g}"
        if low is not None:
            return f"{low:g} or below" if self.strict_min else f"below {low:g}"
        return f"above {high:g}"


@dataclass(frozen=True)
class Range:
    """Kinds whose figures share one range rule, checked together (the door in checks each
    range on a column of its own: name_value)."""

    name: str  # the first kind's name without _pct: growth, share
    kinds: tuple[str, ...]
    bounds: Bounds


@dataclass(frozen=True)
class Vocabulary:
    """The seeds' codes, each list in the seed's order, and the rows they came from."""

    units: tuple[str, ...]
    kinds: tuple[str, ...]
    qualifiers: tuple[str, ...]
    metric_codes: tuple[str, ...]
    pilots: tuple[str, ...]  # pilot ids
    pilot_types: tuple[str, ...]  # pilot type codes
    regions: tuple[str, ...]  # region codes
    bounds: dict[str, Bounds] = field(compare=False)  # by kind: the kinds with a range rule
    rows: dict[str, Rows] = field(compare=False, repr=False)  # by seed name

    @property
    def subjects(self) -> tuple[str, ...]:
        """Every subject a figure may have: pilots, pilot types, regions, national."""
        return (*self.pilots, *self.pilot_types, *self.regions, NATIONAL)

    @cached_property
    def ranges(self) -> tuple[Range, ...]:
        """The range rules, each with the kinds that share it, in the seed's order."""
        grouped: dict[tuple, list[Bounds]] = {}
        for rule in self.bounds.values():
            key = (rule.unit, rule.min_value, rule.max_value, rule.strict_min)
            grouped.setdefault(key, []).append(rule)
        return tuple(
            Range(rules[0].kind.removesuffix("_pct"), tuple(r.kind for r in rules), rules[0])
            for rules in grouped.values()
        )

    def problems(self, kind: str | None, value: float, unit: str | None) -> list[str]:
        """What a figure breaks of its kind's range rule, in words (none for a kind without
        one)."""
        rule = self.bounds.get(kind or "")
        return rule.problems(value, unit) if rule else []

    @cached_property
    def gazetteer(self) -> Gazetteer:
        """What the extractor knows, from pilots, regions, pilot types and metric wordings."""
        rows = self.rows
        return gazetteer_from_rows(
            rows["pilots"], rows["regions"], rows["pilot_types"], rows["metrics"]
        )


_CACHE: dict[Path, tuple[str, Vocabulary]] = {}


def vocabulary(seeds_dir: Path) -> Vocabulary:
    """The vocabulary of the seeds in seeds_dir, read again only if a seed changed since."""
    seeds_dir = Path(seeds_dir).resolve()
    texts = {name: (seeds_dir / f"{name}.csv").read_bytes() for name in SEEDS}
    digest = hashlib.sha256(b"\0".join(texts[name] for name in SEEDS)).hexdigest()
    cached = _CACHE.get(seeds_dir)
    if cached is None or cached[0] != digest:
        cached = (digest, _read(texts))
        _CACHE[seeds_dir] = cached
    return cached[1]


def _read(texts: dict[str, bytes]) -> Vocabulary:
    rows = {
        name: tuple(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
        for name, data in texts.items()
    }

    def column(seed: str, name: str) -> tuple[str, ...]:
        return tuple(row[name] for row in rows[seed])

    return Vocabulary(
        units=column("units", "unit"),
        kinds=column("kinds", "kind"),
        qualifiers=column("qualifiers", "qualifier"),
        metric_codes=column("metrics", "metric_code"),
        pilots=column("pilots", "pilot_id"),
        pilot_types=column("pilot_types", "pilot_type_code"),
        regions=column("regions", "region_code"),
        bounds={row["kind"]: _bounds(row) for row in rows["kinds"] if _has_rule(row)},
        rows=rows,
    )


def _has_rule(row: dict[str, str]) -> bool:
    return any((row.get(name) or "").strip() for name in ("unit", "min_value", "max_value"))


def _bounds(row: dict[str, str]) -> Bounds:
    def number(name: str) -> float | None:
        text = (row.get(name) or "").strip()
        return float(text) if text else None

    return Bounds(
        kind=row["kind"],
        unit=(row.get("unit") or "").strip() or None,
        min_value=number("min_value"),
        max_value=number("max_value"),
        strict_min=(row.get("strict_min") or "").strip().lower() == "true",
    )


def gazetteer_from_rows(
    pilots: Sequence[dict],
    regions: Sequence[dict],
    pilot_types: Sequence[dict],
    metrics: Sequence[dict],
) -> Gazetteer:
    """Build a gazetteer from the seed rows (pilots, regions, pilot types, metric wordings)."""
    places = places_from_rows(regions, [(p["name"], p["region_code"]) for p in pilots])
    groups = tuple(Group(t["pilot_type_code"], (t["name_zh"],)) for t in pilot_types)
    wordings = []
    for metric in metrics:
        names = {w for w in (metric.get("wordings") or "").split(";") if w} | {metric["name_zh"]}
        wordings.extend(
            Metric(
                name,
                metric["metric_code"],
                metric["unit"],
                metric["category"],
                metric.get("covers") or "",
            )
            for name in names
        )
    wordings.sort(key=lambda m: (-len(m.wording), m.wording))
    return Gazetteer(
        places=places,
        pilots={p["region_code"]: p["pilot_id"] for p in pilots},
        pilot_types={p["pilot_id"]: p["pilot_type_code"] for p in pilots},
        groups=groups,
        metrics=tuple(wordings),
        default_subject=NATIONAL,
    )

"""Reference data for the extractor (known units, pilot types, metric wordings) from seeds."""

from __future__ import annotations

import csv
from pathlib import Path

from loaders.extract import Gazetteer, gazetteer_from_rows


def load_gazetteer(seeds_dir: Path) -> Gazetteer:
    """The gazetteer built from seeds/pilots.csv, regions.csv, pilot_types.csv and metrics.csv."""

    def rows(name: str) -> list[dict[str, str]]:
        with open(seeds_dir / f"{name}.csv", encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    return gazetteer_from_rows(
        rows("pilots"), rows("regions"), rows("pilot_types"), rows("metrics")
    )

"""The gazetteer the extractor reads with (known units, pilot types, metric wordings), from the
seeds: the one vocabulary's (loaders.vocabulary), built once per content of the seeds."""

from __future__ import annotations

from pathlib import Path

from loaders.subjects import Gazetteer
from loaders.vocabulary import vocabulary


def load_gazetteer(seeds_dir: Path) -> Gazetteer:
    """The gazetteer built from seeds/pilots.csv, regions.csv, pilot_types.csv and metrics.csv."""
    return vocabulary(seeds_dir).gazetteer

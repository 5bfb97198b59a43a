"""Time and peak memory of each phase of long work (read, extract, validate, load, …)."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Phases:
    """Seconds spent in each named phase, and the process's peak memory when it ended."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
            self.peak_mb[name] = peak_mb()

    def merge(self, other: Phases, names: tuple[str, ...] | None = None) -> None:
        """Add another's phases (or those of them named) to these (seconds add up; the peak is
        the higher)."""
        for name, seconds in other.seconds.items():
            if names is not None and name not in names:
                continue
            self.seconds[name] = self.seconds.get(name, 0.0) + seconds
            self.peak_mb[name] = max(self.peak_mb.get(name, 0.0), other.peak_mb.get(name, 0.0))

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {
            name: {"seconds": round(seconds, 3), "peak_mb": round(self.peak_mb[name], 1)}
            for name, seconds in self.seconds.items()
        }

    def describe(self) -> str:
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.seconds.items())


def peak_mb() -> float:
    """The peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

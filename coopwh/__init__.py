"""coopwh: the co-op reform pilot warehouse, built and published by one CLI."""

__version__ = "0.1.0"

"""The errors every stage raises: a build, run or export that did not do its job says why."""

from __future__ import annotations


class BuildError(Exception):
    """A build that did not publish; the message says why and what to do."""


class ExportError(Exception):
    """An export that was refused or failed; the message says why."""

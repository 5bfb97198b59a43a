"""A SQLMesh console that stays quiet, prints one line per model built, and keeps failures."""

from __future__ import annotations

from collections.abc import Callable

from sqlmesh.core.console import NoopConsole


class QuietConsole(NoopConsole):
    """Collect SQLMesh's failures and warnings; report each evaluated model through echo."""

    def __init__(self, echo: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self.echo = echo or (lambda message: None)
        self.failures: list = []
        self.warnings: list[str] = []
        self.evaluated: set[str] = set()  # models evaluated (and so audited) by a plan

    def log_failed_models(self, errors) -> None:  # noqa: ANN001 - SQLMesh's signature
        self.failures.extend(errors)

    def log_warning(self, short_message: str, long_message: str | None = None) -> None:
        self.warnings.append(short_message)

    def update_snapshot_evaluation_progress(
        self, snapshot, interval, batch_idx, duration_ms, *args, **kwargs
    ) -> None:  # noqa: ANN001
        self.evaluated.add(snapshot.name)
        took = f" ({duration_ms} ms)" if duration_ms is not None else ""
        self.echo(f"  built {snapshot.node.name}{took}")

"""The build lock: one build at a time on a warehouse, released when its holder dies."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from coopwh.errors import BuildError
from coopwh.gateway import gateway_for
from coopwh.paths import Paths


@contextmanager
def build_lock(paths: Paths, echo=print) -> Iterator[None]:
    """Hold the warehouse's build lock, or fail at once if another build holds it (on a
    server, the server's lock too: builds from two machines never overlap).

    The lock is a POSIX record lock on warehouse/build/.lock, which belongs to this process
    alone: worker processes forked from it do not hold it, and it dies with it (kill -9
    included). The file names the holder's process id; a lock whose holder died is taken
    over at once, and echo says so."""
    paths.lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(paths.lock_file, "a+") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = _holder(handle)
            by = f" (process {holder})" if holder else ""
            raise BuildError(
                f"another build is running on {paths.warehouse}{by}; wait for it to finish"
            ) from error
        left = _holder(handle)
        if left and left != os.getpid():
            echo(f"Took over the build lock left by process {left}, which is no longer running")
        _write_holder(handle, str(os.getpid()))
        try:
            with gateway_for(paths).lock():
                yield
        finally:
            _write_holder(handle, "")  # a clean end leaves no holder to take over from
            fcntl.lockf(handle, fcntl.LOCK_UN)


def _holder(handle) -> int | None:
    handle.seek(0)
    text = handle.read().strip()
    return int(text) if text.isdigit() else None


def _write_holder(handle, text: str) -> None:
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(text)
        handle.flush()
    except OSError:  # a full disk: the lock itself still holds
        pass

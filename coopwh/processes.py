"""Worker processes that die with the run that started them, and a run that ends cleanly on
SIGTERM: no worker is left idle after a kill, no lock or temporary file outlives its run."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1  # linux/prctl.h: the signal a process gets when its parent dies


def alive(pid: int) -> bool:
    """Whether a process of this id is running (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def workers_for(jobs: list) -> int:
    """How many processes coopwh.build.reading.on_every_core uses: one for two jobs or fewer
    (starting processes costs more), else one per core, at most four."""
    return 1 if len(jobs) <= 2 else min(os.cpu_count() or 1, 4, len(jobs))


def die_with_parent(parent: int | None = None) -> None:
    """In a worker process: be killed when the process that started it dies (Linux), and leave
    SIGTERM and SIGINT to their defaults (a fork inherits the run's handlers).

    parent: the starting process's id, as it gave it (os.getpid() there): a worker that finds
    another parent was orphaned before it could ask, by a kill -9 as it started, and ends at
    once. Without it, the parent the worker first sees is taken (a worker of a fork server)."""
    parent = os.getppid() if parent is None else parent
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the worker ends when its pipe closes
        return
    if os.getppid() != parent:  # the parent died before the request took hold
        os._exit(1)


_STOPPING: list[int] = []  # the exit code of a stop asked for, once asked


def stopping() -> int | None:
    """The exit code of the stop asked for, if the run was asked to stop: a library that
    turns the interruption into an error of its own (DuckDB's "Query interrupted") must not
    make it read as a failure."""
    return _STOPPING[-1] if _STOPPING else None


class Terminated(SystemExit):
    """The run was asked to stop (SIGTERM or SIGHUP): it unwinds like an exit, so every lock,
    worker and temporary file is let go on the way."""


@contextmanager
def stop_cleanly_on_term() -> Iterator[None]:
    """While inside: SIGTERM and SIGHUP raise Terminated in the main thread (exit code 128 +
    the signal), so `finally` blocks and context managers run, as on Ctrl-C. A stop swallowed
    where Python could only print it is raised again a moment later; on the way out, one still
    pending is dropped (SIGALRM's own handler would kill the process, its output unflushed),
    and the caller asks stopping() whether a stop was asked for."""
    _STOPPING.clear()

    def stop(number, _frame) -> None:
        _STOPPING.append(128 + number)
        raise Terminated(128 + number)

    def unraisable(hook_args) -> None:
        # raised where Python can only print it (a fork's lock release, a __del__): the run
        # must still stop, so it is raised again a moment later, at the next line
        if isinstance(hook_args.exc_value, Terminated):
            signal.setitimer(signal.ITIMER_REAL, 0.01)  # again (SIGALRM), once out of here
        else:
            default_hook(hook_args)

    default_hook = sys.unraisablehook
    sys.unraisablehook = unraisable
    previous = {}

    def again(_number, _frame) -> None:
        raise Terminated(_STOPPING[-1])

    for number, handler in ((signal.SIGTERM, stop), (signal.SIGHUP, stop), (signal.SIGALRM, again)):
        try:
            previous[number] = signal.signal(number, handler)
        except ValueError:  # not the main thread (a test runner's): leave them
            pass
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)  # a raise-again still pending goes
        for number, handler in previous.items():
            signal.signal(number, handler)
        sys.unraisablehook = default_hook

"""Great Expectations in a process of its own, started with the first check.

Importing GX takes three to four seconds. A build spends them loading the SQLMesh project
meanwhile, on the other core, instead of waiting: the checks and their
frames go to the worker (one GX context for the whole run, so every result lands in one set of
Data Docs), the outcomes come back. Only the worker imports GX: coopwh.quality imports it on
first use, and the outcomes are its plain dataclasses."""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import threading
from pathlib import Path

from coopwh.errors import BuildError
from coopwh.processes import die_with_parent


def _serve(connection, root: str, parent: int) -> None:
    """The worker: one Validator, then each request (check, args) answered in turn with
    (True, what coopwh.quality.<check>(validator, *args) returned) or (False, the error)."""
    die_with_parent(parent)
    from tqdm import tqdm

    from coopwh.quality import checks

    # GX's progress bars are off, but tqdm makes its lock anyway: a process-shared one, a named
    # semaphore the worker's fast exit would leave behind; this process needs a plain lock
    tqdm.set_lock(threading.RLock())
    validator, broken = _open(root)
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        if request is None:  # every answer is sent and written: skip the slow teardown of GX
            connection.close()
            os._exit(0)
        check, args = request
        if check == "open":  # a worker kept warm, given the next run's context: no answer
            gc.unfreeze()  # the last run's validator may go
            validator, broken = _open(*args)
            continue
        try:
            if broken is not None:
                raise broken
            if check == "build_docs":
                answer = (True, validator.build_docs())
            else:
                answer = (True, getattr(checks, check)(validator, *args))
        except Exception as error:
            answer = (False, _picklable(error))
        connection.send(answer)
        answer = None  # let the outcome go too before the memory is given back
        if not connection.poll():  # once no request waits: the next answer is not held up
            _give_back_memory()


def _open(root: str):  # -> (coopwh.quality.Validator or None, the error that stopped it)
    """The worker's Validator on root, or the error it failed with (answered to every request,
    so the caller says why); then GX, as imported and opened, is frozen: it lives as long as
    the worker, and its collections skip it."""
    from coopwh.quality import checks

    try:
        opened = checks.Validator(Path(root)), None
    except Exception as error:
        opened = None, error
    gc.freeze()
    return opened


def _give_back_memory() -> None:
    """Return what a check freed to the system: the frames of a thousand reports' facts leave
    the allocator holding most of a gigabyte it no longer uses, beside the build's own. (The
    collection walks what the checks made: GX itself is frozen, a third of a second a pass.)"""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)  # glibc; elsewhere there is nothing to trim
    except (OSError, AttributeError):
        pass


def _picklable(error: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


_IDLE: list[tuple] = []  # (process, connection) of a worker kept warm for the next run
_KEEP_WARM: list[bool] = []  # [True] once keep_warm() was called


def keep_warm(on: bool = True) -> None:
    """Keep one GX worker between the runs of this process (a service that calls the library
    for many builds, the test suite): GX is imported once, not once per build. Off by default:
    a command runs one build and exits, and its worker with it."""
    _KEEP_WARM[:] = [True] if on else []
    if not on:
        while _IDLE:
            process, connection = _IDLE.pop()
            connection.close()
            process.join(timeout=5)


class ValidatorProcess:
    """A coopwh.quality.Validator in a worker process, started (and importing GX) at once, or
    with its first check (start=False: a caller that may have nothing to check).

    submit(check, *args) sends coopwh.quality.<check>(validator, *args) to the worker and
    returns a ticket; result(ticket) waits for its answer (raising the worker's error) and
    keeps the CheckResults in it in results, as a Validator does. run() does both."""

    def __init__(self, root: Path, start: bool = True) -> None:
        self._root = root
        spawn = multiprocessing.get_context("spawn")  # not a fork of a caller that holds much
        self._connection, self._child = spawn.Pipe()
        self._process = spawn.Process(
            target=_serve, args=(self._child, str(root), os.getpid()), name="coopwh-gx", daemon=True
        )
        self._sent = self._received = 0
        self._sending: threading.Thread | None = None  # the last request on its way
        self._answers: dict[int, tuple[bool, object]] = {}
        self.results: list = []
        if start:
            self.start()

    def start(self) -> None:
        """Start the worker, if it is not running yet: a worker kept warm by an earlier run of
        this process (keep_warm), given this run's context, else a new one."""
        if self._child is None:
            return
        while _IDLE:
            process, connection = _IDLE.pop()
            if process.is_alive():
                self._child.close()
                self._child = None
                self._process, self._connection = process, connection
                self._connection.send(("open", (str(self._root),)))
                return
            connection.close()
        self._process.start()
        self._child.close()
        self._child = None

    def submit(self, check: str, *args) -> int:
        """Send a check on its way and return its ticket at once: a thread pickles and sends it
        (a batch of a thousand reports' figures is tens of megabytes, and the worker reads it
        only once GX is imported), after the requests sent before it."""
        self.start()
        before = self._sending

        def send() -> None:
            if before is not None:
                before.join()
            try:
                self._connection.send((check, args))
            except OSError:  # a broken pipe: the worker is gone (result() says so)
                pass

        self._sending = threading.Thread(target=send, name="coopwh-gx-send", daemon=True)
        self._sending.start()
        self._sent += 1
        return self._sent

    def result(self, ticket: int):
        while ticket not in self._answers:
            try:
                answer = self._connection.recv()
            except (EOFError, OSError):  # closed, or reset: the worker is gone
                raise self._stopped() from None
            self._received += 1
            self._answers[self._received] = answer
        ok, value = self._answers.pop(ticket)
        if not ok:
            raise value
        from coopwh.quality.validator import (
            CheckResult,  # the dataclasses only: GX stays in the worker
        )

        found = value if isinstance(value, list | tuple) else [value]
        self.results += [item for item in found if isinstance(item, CheckResult)]
        return value

    def _stopped(self) -> BuildError:
        self._process.join(timeout=5)
        return BuildError(
            "the Great Expectations worker process stopped before it answered (exit code "
            f"{self._process.exitcode}; out of memory?): nothing more was checked"
        )

    def run(self, check: str, *args):
        return self.result(self.submit(check, *args))

    def build_docs(self) -> Path:
        """Build GX's Data Docs from every result so far; the path of their index page."""
        return self.run("build_docs")

    def close(self) -> None:
        """Stop the worker: at once if it was never sent a check (it may be importing still),
        else once the checks sent have finished (their results are written as they end)."""
        if self._child is not None or not self._process.is_alive():
            return
        if _KEEP_WARM and self._kept_warm():
            return
        asked = bool(self._sent)
        if asked:
            self._sending.join()
            try:
                self._connection.send(None)
            except OSError:  # gone meanwhile
                asked = False
        if not asked:
            self._process.terminate()
        self._process.join()
        self._connection.close()

    def _kept_warm(self) -> bool:
        """Keep the worker for the next run of this process, once every answer it owes this
        run is read (the next run starts with nothing on the pipe); False if it is gone."""
        if self._sending is not None:
            self._sending.join()
        try:
            while self._received < self._sent:
                self._connection.recv()
                self._received += 1
        except (EOFError, OSError):
            return False
        _IDLE.append((self._process, self._connection))
        return True

    def __enter__(self) -> ValidatorProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

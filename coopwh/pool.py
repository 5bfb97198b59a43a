"""A pool of worker processes that a stopped or failed run can end at once."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor


class Pool(ProcessPoolExecutor):
    """A process pool that can be stopped at once (stop): its workers are killed, one it had
    started but not yet recorded too (a stop that falls between the two left that worker
    waiting for work, and the run's exit waiting for it, for ever)."""

    def __init__(self, **options) -> None:
        self._before = {process.pid for process in multiprocessing.active_children()}
        super().__init__(**options)

    def stop(self) -> None:
        """The jobs not started are dropped, the workers killed (shutting down as usual
        would wait for every job queued)."""
        workers = list((getattr(self, "_processes", None) or {}).values())
        workers += [
            process
            for process in multiprocessing.active_children()
            if process.pid not in self._before and process not in workers
        ]
        self.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            if worker.is_alive():
                worker.kill()
        for worker in workers:
            worker.join(timeout=5)

import os
import time

import pytest


@pytest.fixture(autouse=True, scope="session")
def _log_plans():
    from coopwh.build import plan as planmod
    from coopwh.pipeline import building

    original = planmod.plan_and_apply
    original_open = building.open_context
    log = open(f"/tmp/prof/plans-{os.getpid()}.log", "a")

    def timed(*a, **k):
        t = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            log.write(
                f"plan {time.perf_counter() - t:.2f} {os.environ.get('PYTEST_CURRENT_TEST', '?')}\n"
            )
            log.flush()

    def timed_open(*a, **k):
        t = time.perf_counter()
        try:
            return original_open(*a, **k)
        finally:
            log.write(
                f"open {time.perf_counter() - t:.2f} {os.environ.get('PYTEST_CURRENT_TEST', '?')}\n"
            )
            log.flush()

    building.plan_and_apply = timed
    building.open_context = timed_open
    yield

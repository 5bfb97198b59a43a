"""Nothing lost on a full disk: on a small filesystem filled to several levels, a run either
takes its reports in or leaves them in the inbox; no report leaves raw.* or the published
copy, the old copy survives, and no temporary file is left to keep the disk full."""

from __future__ import annotations

import errno
import hashlib
import os
import random
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from benchmarks.bench_scale import regions, report
from tests.conftest import coopwh

IMAGE_MB = 160
FREE_LEVELS_MB = (0.3, 2, 6, 14)  # space left free before each run


@pytest.fixture
def small_disk(tmp_path: Path):
    """A loop-mounted ext4 filesystem of IMAGE_MB (skipped where it cannot be mounted)."""
    if os.geteuid() != 0 or not shutil.which("mkfs.ext4"):
        pytest.skip("mounting a filesystem image needs root and mkfs.ext4")
    image, mount = tmp_path / "disk.img", tmp_path / "disk"
    mount.mkdir()
    with open(image, "wb") as handle:
        handle.truncate(IMAGE_MB * 2**20)
    made = subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], capture_output=True)
    mounted = (
        made.returncode == 0
        and (
            subprocess.run(["mount", "-o", "loop", str(image), str(mount)], capture_output=True)
        ).returncode
        == 0
    )
    if not mounted:
        pytest.skip("a loop device cannot be mounted here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(mount: Path, free_mb: float) -> Path:
    """Take the filesystem's free space down to free_mb with a filler file."""
    filler = mount / "filler"
    filler.unlink(missing_ok=True)
    status = os.statvfs(mount)
    size = status.f_bavail * status.f_frsize - int(free_mb * 2**20)
    if size > 0:
        with open(filler, "wb") as handle:
            os.posix_fallocate(handle.fileno(), 0, size)
    return filler


def published_reports(project: Path) -> set[str]:
    with duckdb.connect(str(project / "warehouse" / "coopwh.duckdb"), read_only=True) as db:
        return {row[0] for row in db.execute("SELECT report_id FROM meta.reports").fetchall()}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_no_report_is_lost_on_a_nearly_full_disk(small_disk: Path, built_project: Path) -> None:
    project = small_disk / "project"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns(".lock"))
    inbox = project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    rng, places = random.Random(11), regions()
    expected = {"2019-gxs-reform-pilots"}
    refused = []  # the runs the full disk stopped: they must have been tried at all
    for level, free_mb in enumerate(FREE_LEVELS_MB):
        name = f"synthetic-{level:05d}"
        text = report(level, rng, places, 20000)
        (inbox / f"{name}.txt").write_text(text, encoding="utf-8")
        expected.add(name)
        before_reports = published_reports(project)
        before_copy = sha256(project / "warehouse" / "coopwh.duckdb")
        filler = fill(small_disk, free_mb)
        result = coopwh(project, "run")
        filler.unlink()
        outcome = result.stdout + result.stderr
        assert "Traceback" not in outcome, outcome
        now = published_reports(project)
        assert before_reports <= now, f"{free_mb} MB free: a report left the published copy"
        if result.returncode != 0:
            refused.append(free_mb)
            assert "every file is where it was" in outcome, outcome
            assert now == before_reports, outcome
            assert sha256(project / "warehouse" / "coopwh.duckdb") == before_copy
        waiting = {p.stem for p in inbox.iterdir()}
        placed = {p.stem for p in (project / "reports").glob("*.txt")}
        for report_id in expected - {"2019-gxs-reform-pilots"}:
            # every report is loaded and its file in reports/, or still waiting in the inbox
            assert (report_id in now and report_id in placed) or report_id in waiting, (
                f"{free_mb} MB free: {report_id} is neither loaded nor in the inbox\n{outcome}"
            )
        assert not (project / "reports" / "quarantine").exists(), outcome
        assert not list((project / "warehouse").glob("*.tmp*")), outcome
        assert not list((project / "reports").glob(".coopwh-run-*")), outcome
    assert refused, "no run met the full disk: the levels are not tight enough"
    result = coopwh(project, "run")  # with space again, the next run takes in what waited
    assert result.returncode == 0, result.stdout + result.stderr
    assert published_reports(project) == expected
    assert not any(inbox.iterdir())


def test_a_full_disk_while_a_batchs_figures_wait_on_disk_stops_the_run_not_the_file(
    tmp_path: Path,
) -> None:
    """A large batch's extractions wait on disk for the build; a full disk there is the
    machine's fault: it stops the run (nothing taken in), and never sets a good report aside
    as unreadable. /dev/full stands for the full disk: every write to it fails with ENOSPC."""
    from coopwh.build.reading import on_every_core
    from coopwh.ingest.known import Read, _read_one
    from loaders.reports import read_report
    from tests.conftest import FIXTURES, ROOT

    path = FIXTURES / "2021-handan-prefecture.txt"
    report = read_report(path)
    waiting = tmp_path / "prepared"
    waiting.mkdir()
    seeds = ROOT / "seeds"
    (read,) = on_every_core(_read_one, [(path, None, waiting)], seeds)
    assert isinstance(read, Read) and read.extraction.count > 0  # spilled, counted
    for left in waiting.iterdir():
        left.unlink()
    (waiting / f"{report.report_id}-{report.sha256[:16]}.pickle").symlink_to("/dev/full")
    with pytest.raises(OSError) as error:
        on_every_core(_read_one, [(path, None, waiting)], seeds)
    assert error.value.errno == errno.ENOSPC

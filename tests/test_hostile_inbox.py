"""One hostile file never stops the inbox: a zip bomb, hostile markup, a name too long for
a reason file, a symbolic link, a FIFO and a file that vanishes sit beside good reports;
the good ones load in one run, each bad one is set aside with its reason, once."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from coopwh.ingest.placing import reason_file
from coopwh.paths import resolve_paths
from coopwh.pipeline.ingesting import ingest_locked
from tests.conftest import FIXTURES, make_docx, query

GOOD = ("2021-henan-news.txt", "2023-fujian-news.txt")


def zip_bomb(path: Path, inflated: int = 2**30) -> Path:
    """A .docx whose word/document.xml inflates to `inflated` bytes (a few MB on disk)."""
    make_docx("销售总额增长5%。", path)
    with zipfile.ZipFile(path) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for name, data in parts.items():
            if name != "word/document.xml":
                bomb.writestr(name, data)
        with bomb.open("word/document.xml", "w", force_zip64=True) as part:
            block = b"<w:p/>" * (2**20 // 6)
            for _ in range(inflated // len(block)):
                part.write(block)
    return path


def test_hostile_files_beside_good_reports(fresh_project: Path, tmp_path: Path) -> None:
    inbox = fresh_project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for name in GOOD:
        shutil.copy(FIXTURES / name, inbox)
    zip_bomb(inbox / "bomb.docx")
    (inbox / "markup.html").write_text("<html><body>" + "<a " * 300_000, encoding="utf-8")
    long_name = "很" * 80 + "长.txt"  # 245 bytes: the name fits, NAME.reason.txt would not
    shutil.copy(FIXTURES / "2020-qinghai-province.txt", inbox / long_name)
    secret = tmp_path / "secret.txt"
    secret.write_text("内部资料：销售总额增长9%。", encoding="utf-8")
    (inbox / "link.txt").symlink_to(secret)
    os.mkfifo(inbox / "pipe.txt")

    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "coopwh.cli", "--project", str(fresh_project), "run"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.monotonic() - started
    peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == 1, output  # files were quarantined: the run says so
    loaded = {row[0] for row in query(fresh_project, "SELECT report_id FROM meta.reports")}
    assert {Path(name).stem for name in GOOD} | {Path(long_name).stem} <= loaded, output
    assert "secret" not in str(
        query(fresh_project, "SELECT string_agg(text, '') FROM meta.reports")
    )
    quarantine = fresh_project / "reports" / "quarantine"
    reasons = {
        "bomb.docx": "zip bomb",
        "markup.html": "",
        "link.txt": "is a symbolic link, not read: copy the file itself into the inbox",
        "pipe.txt": "is a FIFO, not a regular file",
    }
    for name, reason in reasons.items():
        assert (quarantine / name).is_symlink() or (quarantine / name).exists(), output
        note = reason_file(quarantine / name).read_text(encoding="utf-8")
        assert note.startswith(f"{name}: ") and reason in note, note
    assert not any(inbox.iterdir()), list(inbox.iterdir())
    assert seconds < 120, f"the run took {seconds:.0f} s"
    assert peak_gb < 2, f"a process of the run peaked at {peak_gb:.2f} GB"

    again = subprocess.run(
        [sys.executable, "-m", "coopwh.cli", "--project", str(fresh_project), "run"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0 and "nothing new" in again.stdout, again.stdout + again.stderr


def test_a_name_too_long_for_its_reason_file_is_quarantined_with_the_whole_name(
    tmp_path: Path,
) -> None:
    paths = resolve_paths(tmp_path, tmp_path / "warehouse")
    name = "很" * 81 + ".txt"  # 247 bytes
    (tmp_path / "reports" / "inbox").mkdir(parents=True)
    bad = tmp_path / "reports" / "inbox" / name
    bad.write_bytes(b"\x00\x01binary")
    from coopwh.ingest.sorting import set_aside

    set_aside(paths.quarantine_dir, bad, "is binary")
    note = reason_file(paths.quarantine_dir / name)
    assert len(note.name.encode()) <= 255
    assert note.read_text(encoding="utf-8") == f"{name}: is binary\n"


def test_a_file_that_vanishes_while_the_run_reads_is_skipped(fresh_project: Path) -> None:
    paths = resolve_paths(fresh_project, fresh_project / "warehouse")
    inbox = fresh_project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    good = inbox / GOOD[0]
    shutil.copy(FIXTURES / GOOD[0], good)
    messages: list[str] = []
    result = ingest_locked(paths, [inbox / "gone.txt", good], messages.append)
    assert result.build_error is None, result.build_error
    assert [o.status for o in result.outcomes] == ["vanished", "accepted"]
    assert any("gone.txt: no longer there" in m for m in messages), messages
    assert not (fresh_project / "reports" / "quarantine").exists()

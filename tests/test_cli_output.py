"""What the command line prints follows Unix conventions: CSV with LF line ends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_sql_csv_ends_its_lines_with_lf_unless_crlf_is_asked(built_project: Path) -> None:
    command = [sys.executable, "-m", "coopwh.cli", "--project", str(built_project), "sql"]
    plain = subprocess.run([*command, "SELECT 1 AS x", "--csv"], capture_output=True, timeout=120)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout == b"x\n1\n"
    tail = subprocess.run(["tail", "-1"], input=plain.stdout, capture_output=True)
    assert tail.stdout == b"1\n"
    crlf = subprocess.run(
        [*command, "SELECT 1 AS x", "--csv", "--crlf"], capture_output=True, timeout=120
    )
    assert crlf.stdout == b"x\r\n1\r\n"


def test_changes_csv_ends_its_lines_with_lf(built_project: Path) -> None:
    command = [sys.executable, "-m", "coopwh.cli", "--project", str(built_project), "changes"]
    result = subprocess.run([*command, "--csv"], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert b"\r" not in result.stdout and result.stdout.count(b"\n") > 1
    crlf = subprocess.run([*command, "--csv", "--crlf"], capture_output=True, timeout=120)
    assert crlf.stdout.count(b"\r\n") == result.stdout.count(b"\n")

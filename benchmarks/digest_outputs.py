"""Digest of everything a run makes, to prove a refactor by its outputs: every table of the
published copy, every seed and every workbook's cell values, after the 2019 report and every
fixture report go through one `coopwh run` on a copy of the project.

    .venv/bin/python benchmarks/digest_outputs.py --out before.json
    .venv/bin/python benchmarks/digest_outputs.py --out after.json --compare before.json

Values that differ between two runs of the same code (build times, the build's date, file
times) are left out by column name; --compare prints each table, seed or sheet that differs
and the first differing rows or cells.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VOLATILE = {  # columns whose values are times or durations of the run, not its results
    "built_at",
    "at",
    "seconds",
    "built_in_ms",
    "started_at",
    "finished_at",
    "loaded_at",
    "recorded_at",
    "duration_ms",
    "archived_at",
    "exported_at",
    "build_id_at",
}
VOLATILE_TEXT = ("生成时间", "Generated", "构建于", "built at")  # cover lines that carry a time


def project_copy(target: Path) -> Path:
    """The project's parts a build reads (as tests/conftest.copy_project does)."""
    sys.path.insert(0, str(ROOT))
    from coopwh.records import PROJECT_PARTS

    target.mkdir(parents=True)
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, target / part)
    (target / "tests").mkdir()
    for yaml_test in (ROOT / "tests").glob("test_*.yaml"):
        shutil.copy2(yaml_test, target / "tests" / yaml_test.name)
    inbox = target / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for report in sorted((ROOT / "tests" / "fixtures" / "reports").iterdir()):
        shutil.copy2(report, inbox / report.name)
    return target


def _rows_digest(rows: list[tuple], project: str = "") -> tuple[str, list[str]]:
    shown = sorted(
        json.dumps(row, ensure_ascii=False, default=str).replace(project or "\0", "<project>")
        for row in rows
    )
    return hashlib.sha256("\n".join(shown).encode()).hexdigest(), shown


def tables(published: Path, project: Path) -> dict[str, dict]:
    import duckdb

    out: dict[str, dict] = {}
    with duckdb.connect(str(published), read_only=True) as db:
        names = db.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "ORDER BY table_schema, table_name"
        ).fetchall()
        for schema, table in names:
            columns = [
                name
                for (name,) in db.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
                    "AND table_name = ? ORDER BY ordinal_position",
                    [schema, table],
                ).fetchall()
                if name not in VOLATILE
            ]
            if not columns:
                continue
            listed = ", ".join(f'"{c}"' for c in columns)
            rows = db.execute(f'SELECT {listed} FROM "{schema}"."{table}"').fetchall()
            digest, shown = _rows_digest([tuple(row) for row in rows], str(project))
            out[f"{schema}.{table}"] = {"columns": columns, "digest": digest, "rows": shown}
    return out


def seeds(project: Path) -> dict[str, dict]:
    out = {}
    for seed in sorted((project / "seeds").glob("*.csv")):
        text = seed.read_text(encoding="utf-8")
        out[f"seeds/{seed.name}"] = {
            "digest": hashlib.sha256(text.encode()).hexdigest(),
            "rows": text.splitlines(),
        }
    return out


def workbooks(exports: Path) -> dict[str, dict]:
    from openpyxl import load_workbook

    out = {}
    for path in sorted(exports.glob("*.xlsx")):
        book = load_workbook(path, read_only=True, data_only=True)
        for sheet in book.worksheets:
            cells = []
            for row in sheet.iter_rows(values_only=True):
                values = ["" if v is None else str(v) for v in row]
                if any(any(mark in v for mark in VOLATILE_TEXT) for v in values):
                    continue
                cells.append("\t".join(values).rstrip("\t"))
            digest = hashlib.sha256("\n".join(cells).encode()).hexdigest()
            out[f"{path.name}!{sheet.title}"] = {"digest": digest, "rows": cells}
        book.close()
    for path in sorted(exports.glob("*.csv")):
        text = path.read_text(encoding="utf-8-sig")
        rows = sorted(text.splitlines())
        digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        out[path.name] = {"digest": digest, "rows": rows}
    return out


def compare(before: dict, after: dict) -> int:
    differing = 0
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old is None or new is None:
            print(f"{'+' if old is None else '-'} {name}")
            differing += 1
            continue
        if old["digest"] == new["digest"]:
            continue
        differing += 1
        gone = [r for r in old["rows"] if r not in set(new["rows"])]
        came = [r for r in new["rows"] if r not in set(old["rows"])]
        print(f"~ {name}: {len(gone)} row(s) only before, {len(came)} only after")
        if old.get("columns") != new.get("columns"):
            print(f"    columns {old.get('columns')} -> {new.get('columns')}")
        for row in gone[:3]:
            print(f"    - {row[:300]}")
        for row in came[:3]:
            print(f"    + {row[:300]}")
    print(f"{differing} of {len(set(before) | set(after))} tables, seeds and sheets differ")
    return differing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="where to write the digest (JSON)")
    parser.add_argument("--compare", help="a digest written before, to compare with")
    parser.add_argument("--keep", help="keep the project copy in this directory")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="coopwh-digest-"))
    project = project_copy(work / "project")
    run = subprocess.run(
        [sys.executable, "-m", "coopwh.cli", "--project", str(project), "run"],
        capture_output=True,
        text=True,
    )
    if run.returncode not in (0, 1):
        print(run.stdout[-3000:], run.stderr[-3000:], sep="\n")
        return 2
    digest = {
        **tables(project / "warehouse" / "coopwh.duckdb", project),
        **seeds(project),
        **workbooks(project / "exports"),
    }
    Path(args.out).write_text(json.dumps(digest, ensure_ascii=False), encoding="utf-8")
    print(
        f"{len(digest)} tables, seeds and sheets digested into {args.out} "
        f"(run exit {run.returncode})"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    if args.compare:
        return (
            1 if compare(json.loads(Path(args.compare).read_text(encoding="utf-8")), digest) else 0
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Shared fixtures: the report text, the curated seeds, and built copies of the project."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest

from coopwh.records import PROJECT_PARTS

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "reports" / "2019-gxs-reform-pilots.txt"
FIXTURES = ROOT / "tests" / "fixtures" / "reports"  # reports written for the tests
NEW_REPORT = FIXTURES / "2020-gxs-pilot-progress.txt"


def read_seed(name: str) -> list[dict[str, str]]:
    """Rows of seeds/<name>.csv as dicts of strings."""
    with open(ROOT / "seeds" / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def query(project: Path, sql: str) -> list[tuple]:
    """Rows of a query on the project's published copy, opened read-only as a reader would."""
    with duckdb.connect(str(project / "warehouse" / "coopwh.duckdb"), read_only=True) as db:
        return db.execute(sql).fetchall()


def copy_project(target: Path) -> Path:
    """Copy what a build needs (models, seeds, reports, SQLMesh tests …) into target."""
    target.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / part)
    (target / "tests").mkdir()
    for yaml_test in (ROOT / "tests").glob("test_*.yaml"):
        shutil.copy2(yaml_test, target / "tests" / yaml_test.name)
    return target


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PART = "application/vnd.openxmlformats-officedocument.wordprocessingml"


def make_docx(text: str, path: Path, header: str | None = None) -> Path:
    """A minimal .docx holding text, one paragraph per line (what a word processor would save);
    with a header, every page carries it at the top and its page number at the bottom."""
    from xml.sax.saxutils import escape

    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
        for line in text.split("\n")
    )
    section = ""
    parts: dict[str, str] = {}
    relationships = ""
    overrides = ""
    if header is not None:
        section = (
            '<w:sectPr><w:headerReference w:type="default" r:id="rIdHeader"/>'
            '<w:footerReference w:type="default" r:id="rIdFooter"/></w:sectPr>'
        )
        parts["word/header1.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><w:hdr xmlns:w="{W}"><w:p><w:r>'
            f"<w:t>{escape(header)}</w:t></w:r></w:p></w:hdr>"
        )
        parts["word/footer1.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><w:ftr xmlns:w="{W}"><w:p>'
            '<w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:t xml:space="preserve">- </w:t></w:r>'
            '<w:fldSimple w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'
            '<w:r><w:t xml:space="preserve"> -</w:t></w:r></w:p></w:ftr>'
        )
        relationships = (
            f'<Relationship Id="rIdHeader" Type="{R}/header" Target="header1.xml"/>'
            f'<Relationship Id="rIdFooter" Type="{R}/footer" Target="footer1.xml"/>'
        )
        overrides = (
            f'<Override PartName="/word/header1.xml" ContentType="{PART}.header+xml"/>'
            f'<Override PartName="/word/footer1.xml" ContentType="{PART}.footer+xml"/>'
        )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W}" xmlns:r="{R}">'
        f"<w:body>{paragraphs}{section}</w:body></w:document>"
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{PART}.document.main+xml"/>'
        f"{overrides}</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("word/document.xml", document)
        if relationships:
            archive.writestr(
                "word/_rels/document.xml.rels",
                '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                f'openxmlformats.org/package/2006/relationships">{relationships}</Relationships>',
            )
        for name, xml in parts.items():
            archive.writestr(name, xml)
    return path


def make_pdf(text: str, path: Path, header: str | None = None) -> Path:
    """A real PDF of text: a .docx (with a running header and page numbers, if given)
    converted by LibreOffice Writer, as an office would make one."""
    docx = make_docx(text, path.with_suffix(".docx"), header)
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(path.parent / 'libreoffice-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(path.parent),
            str(docx),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    made = docx.with_suffix(".pdf")
    if result.returncode != 0 or not made.exists():
        pytest.skip(
            "LibreOffice Writer cannot turn a .docx into a PDF here (apt-get install "
            f"libreoffice-writer; .ci/run installs it): {result.stderr.strip()[:200]}"
        )
    docx.unlink()
    if made != path:
        made.rename(path)
    return path


def pytest_configure(config: pytest.Config) -> None:
    """The suite runs many builds in each of its processes: one GX worker serves them all
    (coopwh.quality.worker.keep_warm), as it would a service calling the library."""
    from coopwh.quality.worker import keep_warm

    keep_warm()


# The files that take longest, slowest first (measured: `pytest --durations`, 2026-12-08): the
# workers take them first and finish together, rather than one of them last with a slow file
# while the other has nothing left. The other files follow in their usual order.
SLOWEST_FIRST = (
    "test_faults.py",
    "test_scale.py",
    "test_review.py",
    "test_export.py",
    "test_postgres.py",
    "test_quality.py",
    "test_ingest.py",
    "test_changes.py",
    "test_build.py",
    "test_tables.py",
    "test_pdf.py",
    "test_new_reports.py",
    "test_full_disk.py",
    "test_hostile_inbox.py",
    "test_traditional.py",
    "test_hostile_files.py",
    "test_cli_output.py",
    "test_sqlmesh_unit_tests.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOWEST_FIRST.index(name) if name in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items.sort(key=rank)  # stable: each file's tests keep their order


def _options(project: Path, args: tuple[str, ...]) -> list[str]:
    options = ["--project", str(project)]
    if args and args[0] == "--warehouse":
        options, args = [*options, *args[:2]], args[2:]
    return [*options, *args]


def coopwh(project: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the coopwh command on a project copy, in this process: the CLI's main() with what it
    prints captured, as a user would see it. The environment is as it was afterwards."""
    from coopwh.cli import main

    argv = _options(project, args)
    out, err = io.StringIO(), io.StringIO()
    environment = dict(os.environ)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except SystemExit as stop:  # a stop the command could not answer itself
        code = stop.code if isinstance(stop.code, int) else 1
    finally:
        os.environ.clear()
        os.environ.update(environment)
    return subprocess.CompletedProcess(["coopwh", *argv], code, out.getvalue(), err.getvalue())


def coopwh_process(project: Path, *args: str, **options) -> subprocess.CompletedProcess:
    """Run the coopwh command on a project copy in a process of its own (where a test needs
    one: a lock held by another process, a kill, the command as the shell runs it)."""
    return subprocess.run(
        [sys.executable, "-m", "coopwh.cli", *_options(project, args)],
        capture_output=True,
        text=True,
        timeout=600,
        **options,
    )


@pytest.fixture(scope="session")
def report_text() -> str:
    return REPORT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project, built once for the whole session and its workbooks written, as
    `coopwh run` leaves it (tests must not change it): a run on a copy writes again only the
    workbooks whose contents change, as a user's next run does."""
    project = copy_project(tmp_path_factory.mktemp("built") / "project")
    result = coopwh(project, "run")
    assert result.returncode == 0, result.stderr + result.stdout
    return project


@pytest.fixture
def fresh_project(tmp_path: Path, built_project: Path) -> Path:
    """A copy of the built project (warehouse included) that a test may change."""
    project = tmp_path / "project"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns(".lock"))
    return project


def to_pdf(files: list[Path], out_dir: Path) -> subprocess.CompletedProcess:
    """Convert workbooks to PDF with LibreOffice, in a profile of this test's own (tests run in
    parallel, and two LibreOffice processes cannot share one)."""
    profile = out_dir / "libreoffice-profile"
    return subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )


def as_csv(value: object, written: str) -> str:
    """A workbook cell as the CSV beside it writes it: text that could be taken for a formula
    with a quote first, a number as written if it is the same number."""
    from coopwh.export.workbook import FORMULA_STARTS

    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return written if float(written) == value else str(value)

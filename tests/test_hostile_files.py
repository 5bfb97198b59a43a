"""Files built to hurt the reader (a zip bomb, hostile HTML) and figures no report can mean
(10^30 元): each is refused or held with its reason, in bounded time and memory, and the
other reports of the run load."""

from __future__ import annotations

import io
import resource
import shutil
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import pytest

from loaders.reports import (
    MAX_PART_BYTES,
    HtmlError,
    docx_text,
    html_text,
)
from tests.conftest import NEW_REPORT, W, coopwh

# written for these tests: a county's year, one figure typed with twenty zeros too many
CHANGLI_1E30 = (
    "河北省秦皇岛市昌黎县供销合作社\n\n"
    "2021年，全县供销社系统实现销售总额10000000000000000000000亿元，发展农民专业合作社126家，"
    "入社农户3.2万户，土地托管面积4.5万亩。\n"
)
HELD_1E30 = (
    "value 1e+30 yuan is beyond the most a figure in yuan can be in these reports "
    "(1e+13 yuan): a misreading or a typing error"
)
MEMORY = 768 * 1024 * 1024  # address space a reader may use in the tests that bound it


def zip_bomb(path: Path, inflated: int) -> Path:
    """A .docx whose word/document.xml is a paragraph and then `inflated` bytes of spaces
    (deflate packs them a thousand to one), written as it streams."""
    head = f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/document.xml", "w") as part:
            part.write(head.encode())
            block = b" " * (1024 * 1024)
            for _ in range(inflated // len(block)):
                part.write(block)
            part.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return path


def lying_zip_bomb(path: Path, inflated: int, claimed: int = 1000) -> Path:
    """zip_bomb, its zip index (local header and central directory) saying the part inflates
    to only `claimed` bytes."""
    data = bytearray(zip_bomb(path, inflated).read_bytes())
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    for header, size_at in ((local, 22), (central, 24)):  # where each keeps the inflated size
        (size,) = struct.unpack_from("<I", data, header + size_at)
        assert size > inflated
        struct.pack_into("<I", data, header + size_at, claimed)
    path.write_bytes(bytes(data))
    return path


def read_in_bounds(path: Path) -> subprocess.CompletedProcess:
    """read_report(path) in a process of its own that may use MEMORY and 60 s at most."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from loaders.reports import ReportError, read_report\n"
        "try:\n"
        "    print(len(read_report(Path(sys.argv[1])).text))\n"
        "except ReportError as error:\n"
        "    print(error.reason)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
        cwd=Path(__file__).resolve().parent.parent,
    )


def test_a_file_of_5_gb_is_refused_having_read_no_more_than_the_limit(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as handle:
        handle.truncate(5 * 1024**3)  # sparse: 5 GB that take no disk

    result = read_in_bounds(huge)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "is 5368709120 bytes, over the 20971520 byte limit"


def test_a_zip_bomb_docx_is_refused_by_its_index_before_a_byte_is_inflated(
    tmp_path: Path,
) -> None:
    bomb = zip_bomb(tmp_path / "bomb.docx", 2 * MAX_PART_BYTES)

    started = time.monotonic()
    result = read_in_bounds(bomb)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "word/document.xml inflates to 200 MB, over the 100 MB limit for a part of a .docx: "
        "refused unread as a possible zip bomb"
    )
    assert time.monotonic() - started < 10


def test_a_zip_bomb_docx_whose_index_lies_stops_at_what_it_claims(tmp_path: Path) -> None:
    bomb = lying_zip_bomb(tmp_path / "liar.docx", 2 * MAX_PART_BYTES)
    assert zipfile.ZipFile(bomb).getinfo("word/document.xml").file_size == 1000

    result = read_in_bounds(bomb)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("is not a readable .docx (truncated or damaged: Bad CRC-32")


# markup built to be slow: the old parser took 7.7 s for 128 KB of unclosed <a and ran on past
# 60 s for 2 MB; each family here is 1 to 3 MB
HOSTILE_HTML = {
    "a million unclosed <a": "<a" * 1_000_000,
    "unclosed <a> with attributes": "<a href='x' class='y'>" * 150_000,
    "a million <p> never closed": "<p>x" * 1_000_000,
    "a comment never closed": "<p>甲</p><!--" + "-" * 2_000_000,
    "an attribute quote never closed": '<p title="' + "<b>" * 700_000,
    "tags full of less-than signs": "<p <" * 700_000,
}


@pytest.mark.parametrize("markup", HOSTILE_HTML.values(), ids=HOSTILE_HTML.keys())
def test_hostile_html_reads_in_linear_time(markup: str) -> None:
    page = "<html><body><p>浏阳市供销社销售总额12.6亿元。</p>" + markup

    started = time.monotonic()
    text = html_text(page)

    assert time.monotonic() - started < 10
    assert "浏阳市供销社销售总额12.6亿元。" in text


@pytest.mark.parametrize("nest", ["<div>" * 300, "<table><tr><td>" * 150_000])
def test_html_nesting_past_the_parsers_depth_is_refused_rather_than_cut_short(nest: str) -> None:
    page = "<p>浏阳市供销社销售总额12.6亿元。</p>" + nest + "<p>后面的段落</p>"

    with pytest.raises(HtmlError, match=r"gave up on \(its elements nest over 256 deep"):
        html_text(page)


def test_html_is_read_within_the_time_limit_of_a_report_file() -> None:
    with pytest.raises(HtmlError, match="took more than 0 s to read"):
        html_text("<p>段落</p>" * 500_000, seconds=0.05)


def test_good_html_reads_a_line_per_block_without_head_scripts_or_comments() -> None:
    page = (
        "<!DOCTYPE html>\n<html>\n<head><meta charset='utf-8'><title>简报</title>\n"
        "<style>p { color: red }</style></head>\n<body>\n<h1>安吉县供销社</h1>\n"
        "<p>销售总额&nbsp;3.4亿元，增长&#49;2%&amp;更多</p>\n<!-- 注释 -->\n"
        "<p>第一行<br>第二行<br/>第三行</p>\n"
        "<table><tr><td>网点</td><td>128个</td></tr></table>\n"
        "<ul><li>甲</li><li>乙</li></ul><script>var p = '<p>';</script>\n</body>\n</html>\n"
    )

    # a line end at a block's start and end (three or more are two), one for a <br> or <br/>
    assert html_text(page) == (
        "\n\n安吉县供销社\n\n销售总额\xa03.4亿元，增长12%&更多\n\n第一行\n第二行\n第三行\n\n"
        "网点｜128个\n\n甲\n\n乙\n\n"  # a table's row: its cells separated by ｜
    )


def test_a_docx_reads_each_paragraph_a_line_in_document_order(tmp_path: Path) -> None:
    body = (
        "<w:p><w:r><w:t>外一</w:t><w:tab/><w:t>a</w:t></w:r><w:r><w:pict><w:txbxContent>"
        "<w:p><w:r><w:t>框内</w:t><w:br/></w:r></w:p><w:p><w:r><w:t>框内二</w:t></w:r></w:p>"
        "</w:txbxContent></w:pict></w:r><w:r><w:t>外尾</w:t></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>格1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r>"
        "<w:t>格2</w:t></w:r></w:p><w:p/></w:tc></w:tr></w:tbl>"
        '<w:p><w:r><w:t xml:space="preserve"> 末 </w:t><w:cr/></w:r></w:p><w:sectPr/>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "word/document.xml",
            f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>',
        )

    text = docx_text(tmp_path / "a.docx", buffer.getvalue())

    # a text box's paragraphs after the one they stand in, which holds their text too; a
    # table's row a line, its cells separated by ｜ (loaders.tables)
    assert text == "外一\ta框内\n框内二外尾\n框内\n\n框内二\n格1｜格2\n 末 \n"


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory, built_project: Path) -> dict:
    """The built 2019 warehouse after one `coopwh run` with a zip bomb, a hostile HTML page, a
    report with a figure of 10^30 元 and a good report in the inbox."""
    project = tmp_path_factory.mktemp("hostile") / "project"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns(".lock"))
    inbox = project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    zip_bomb(inbox / "2021-bomb.docx", 2 * MAX_PART_BYTES)
    (inbox / "2021-hostile.html").write_text("<html><body>" + "<a" * 1_000_000)
    (inbox / "2021-changli.txt").write_text(CHANGLI_1E30, encoding="utf-8")
    shutil.copy(NEW_REPORT, inbox)
    started = time.monotonic()
    result = coopwh(project, "run")
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {"project": project, "result": result, "seconds": seconds, "peak": peak}


def rows(project: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(project / "warehouse" / "coopwh.duckdb"), read_only=True) as db:
        return db.execute(sql).fetchall()


def test_hostile_files_are_quarantined_with_their_reasons(ran: dict) -> None:
    result, quarantine = ran["result"], ran["project"] / "reports" / "quarantine"

    assert result.returncode == 1, result.stderr  # files were quarantined; the others taken
    assert sorted(path.name for path in quarantine.iterdir()) == [
        "2021-bomb.docx",
        "2021-bomb.docx.reason.txt",
        "2021-hostile.html",
        "2021-hostile.html.reason.txt",
    ]
    bomb = (quarantine / "2021-bomb.docx.reason.txt").read_text(encoding="utf-8")
    assert "word/document.xml inflates to 200 MB" in bomb and "zip bomb" in bomb
    assert "has no text" in (quarantine / "2021-hostile.html.reason.txt").read_text()
    assert ran["seconds"] < 300 and ran["peak"] < 2 * 1024**3


def test_the_good_reports_beside_them_load(ran: dict) -> None:
    loaded = rows(ran["project"], "SELECT DISTINCT report_id FROM marts.facts ORDER BY 1")

    assert ("2020-gxs-pilot-progress",) in loaded and ("2021-changli",) in loaded


def test_a_figure_of_10_to_the_30_yuan_is_held_with_its_reason_and_the_rest_loads(
    ran: dict,
) -> None:
    project = ran["project"]
    held = rows(
        project,
        "SELECT number_text, value, reason FROM marts.held_facts WHERE report_id = '2021-changli'",
    )
    loaded = rows(
        project,
        "SELECT number_text FROM marts.facts WHERE report_id = '2021-changli' ORDER BY span_start",
    )

    assert held == [("10000000000000000000000亿元", 1e30, HELD_1E30)]
    assert loaded == [("126家",), ("3.2万户",), ("4.5万亩",)]
    assert "held back: 10000000000000000000000亿元" in ran["result"].stdout
    (total,) = rows(project, "SELECT SUM(value) FROM marts.facts WHERE unit = 'yuan'")[0]
    assert total < 10**13


@pytest.mark.parametrize(
    ("page", "text"),
    [
        ("<!-- 开头 --><html><body><p>正文</p></body></html><!-- 末 -->后记", "\n正文\n后记"),
        ('<?xml version="1.0"?><!-- 注 -->\n<p>正文</p>', "\n正文\n"),
        ("<html><body><p>一</p></body></html><p>二</p>", "\n一\n\n二\n"),
        ("只有文字", "只有文字"),
        ("  \n ", ""),
        ("<!-- 只有注释 -->", ""),
    ],
)
def test_html_around_and_outside_its_root_reads_as_text(page: str, text: str) -> None:
    assert html_text(page) == text


def test_a_file_swapped_for_a_link_or_a_pipe_after_the_inbox_looked_is_not_read(
    tmp_path: Path,
) -> None:
    """The inbox refuses links and pipes when it lists them; a file swapped for one between
    that look and the read (to make the job read another file, or wait for ever) is refused by
    the read itself, which follows no link and waits on no pipe."""
    import os

    from loaders.reports import ReportError, read_report

    secret = tmp_path / "elsewhere.txt"
    secret.write_text("某县供销社2023年销售总额12亿元。", encoding="utf-8")
    swapped = tmp_path / "swapped.txt"
    swapped.symlink_to(secret)
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)
    with pytest.raises(ReportError, match="is a symbolic link, not read"):
        read_report(swapped)
    with pytest.raises(ReportError, match="is not a regular file, not read"):
        read_report(pipe)
    assert read_report(secret).text.startswith("某县")

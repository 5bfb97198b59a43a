"""Reading report files and splitting them into sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders.reports import ReportError, read_report, split_sentences
from loaders.sentences import reading_spans


def test_sentences_carry_offsets_into_the_text(report_text: str) -> None:
    sentences = split_sentences(report_text)
    assert len(sentences) > 300
    for sentence in sentences:
        assert report_text[sentence.start : sentence.end] == sentence.text
    numbered = [s.sentence_no for s in sentences]
    assert numbered == list(range(1, len(sentences) + 1))


def test_sentences_are_the_stripped_pieces_between_ends() -> None:
    text = " 　\n 销售额增长12% 。  利润8%\n\n。。 x ；\t\n  ？！全年完成  "
    pieces = ["销售额增长12% 。", "利润8%", "。", "。", "x ；", "？", "！", "全年完成"]
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == pieces
    assert [text[s.start : s.end] for s in sentences] == pieces
    assert [s.sentence_no for s in sentences] == list(range(1, len(pieces) + 1))
    assert split_sentences("") == [] and split_sentences(" \n\u3000") == []


def test_a_stored_sentence_lies_within_a_sentence_the_extractor_reads(report_text: str) -> None:
    spans = list(reading_spans(report_text))
    for sentence in split_sentences(report_text):
        assert any(start <= sentence.start and sentence.end <= end for start, end in spans)


def test_half_width_stops_end_a_sentence_for_every_reader() -> None:
    text = "销售额增长12%!利润增长8%?全年完成；其余"
    assert [s.text for s in split_sentences(text)] == [
        "销售额增长12%!",
        "利润增长8%?",
        "全年完成；",
        "其余",
    ]
    assert [text[s:e] for s, e in reading_spans(text)] == [
        "销售额增长12%!",
        "利润增长8%?",
        "全年完成；其余",
    ]


def test_a_figure_lies_in_the_sentence_that_states_it(report_text: str) -> None:
    start = report_text.index("102人")
    (sentence,) = [s for s in split_sentences(report_text) if s.start <= start < s.end]
    assert sentence.text == "县联合社143名社员代表中，农民代表102人，占比71%；"


def test_utf8_with_bom_reads_as_the_same_text(tmp_path: Path, report_text: str) -> None:
    plain = tmp_path / "plain.txt"
    bom = tmp_path / "bom.txt"
    plain.write_text(report_text, encoding="utf-8")
    bom.write_bytes(b"\xef\xbb\xbf" + report_text.encode("utf-8"))
    assert read_report(plain).text == read_report(bom).text == report_text
    assert read_report(plain).sha256 == read_report(bom).sha256


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is binary"),
        ("供销合作社".encode("gb18030") + b"\xff\xfe\xfd", "is not text in UTF-8 or GB18030"),
    ],
)
def test_bad_report_files_raise_an_error_naming_the_file(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "bad-report.txt"
    path.write_bytes(content)
    with pytest.raises(ReportError) as caught:
        read_report(path)
    assert str(path) in str(caught.value)
    assert reason in str(caught.value)


def test_a_missing_report_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="missing.txt: cannot be read"):
        read_report(tmp_path / "missing.txt")

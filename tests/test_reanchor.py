"""Curated rows and review decisions follow a revised text; those whose sentence changed leave."""

from __future__ import annotations

import csv
from pathlib import Path

from coopwh.ingest.reanchor import reanchor
from loaders.revisions import masked_sentences, offset_map, overlap

OLD = "寿光市供销社工作总结\n\n全市销售总额12亿元。利润3000万元。\n基层社达到24个。\n"
NEW = "寿光市供销社2020年工作总结\n\n全市销售总额12亿元。利润3100万元。\n基层社达到24个。\n"


def write(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def fact(text: str, printed: str) -> dict:
    start = text.index(printed)
    return {
        "report_id": "r",
        "span_start": str(start),
        "span_end": str(start + len(printed)),
        "number_text": printed,
        "subject": "370783",
    }


def test_offsets_move_with_their_sentence_and_changed_sentences_have_none() -> None:
    move = offset_map(OLD, NEW)
    assert move(OLD.index("12亿元")) == NEW.index("12亿元")
    assert move(OLD.index("24个")) == NEW.index("24个")
    assert move(OLD.index("3000万元")) is None


def test_near_duplicates_are_told_by_their_sentences_with_figures_masked() -> None:
    assert overlap(masked_sentences(NEW), masked_sentences(OLD)) >= 2 / 3
    assert masked_sentences("利润3100万元。") == masked_sentences("利润3000万元。")


def test_curated_facts_and_reviews_follow_the_new_text(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    write(seeds / "report_facts.csv", [fact(OLD, "12亿元"), fact(OLD, "3000万元")])
    kept_review = {
        "fact_id": f"r:{OLD.index('24个')}:370783",
        "report_id": "r",
        "span_start": str(OLD.index("24个")),
        "decision": "accept",
    }
    stale_review = {
        "fact_id": f"r:{OLD.index('3000万元')}:370783",
        "report_id": "r",
        "span_start": str(OLD.index("3000万元")),
        "decision": "reject",
    }
    write(seeds / "fact_reviews.csv", [kept_review, stale_review])

    result = reanchor(seeds, "r", OLD, NEW, tmp_path / "archive" / "r.replaced")

    facts = read(seeds / "report_facts.csv")
    assert [(f["number_text"], int(f["span_start"])) for f in facts] == [
        ("12亿元", NEW.index("12亿元"))
    ]
    (review,) = read(seeds / "fact_reviews.csv")
    assert review["span_start"] == str(NEW.index("24个"))
    assert review["fact_id"] == f"r:{NEW.index('24个')}:370783"
    assert result.kept == 2 and result.moved == 2 and len(result.flagged) == 2
    left = read(tmp_path / "archive" / "r.replaced.report_facts.csv")
    assert [f["number_text"] for f in left] == ["3000万元"]
    assert read(tmp_path / "archive" / "r.replaced.fact_reviews.csv")[0]["decision"] == "reject"

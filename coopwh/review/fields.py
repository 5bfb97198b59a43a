"""The review sheet's columns, and how a reviewer's cell is read and checked against the
seeds' vocabulary: a wrong cell is named with its row and column, and nothing is applied."""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from coopwh.paths import Paths
from loaders.vocabulary import Vocabulary, vocabulary

SHEET = "审阅"


LISTS = "选项"


DECISIONS = {"accept": "接受", "correct": "更正", "reject": "拒绝"}


REVIEW_COLUMNS = [
    "fact_id",
    "report_id",
    "span_start",
    "decision",
    "subject",
    "metric_code",
    "metric",
    "value",
    "unit",
    "kind",
    "qualifier",
    "baseline",
    "period",
    "is_target",
    "reviewer",
    "reviewed_at",
    "sentence",
    "note",  # the reviewer's 审阅备注, as typed
]


EDITABLE = [
    "subject",
    "metric_code",
    "metric",
    "value",
    "unit",
    "kind",
    "qualifier",
    "baseline",
    "period",
    "is_target",
]


@dataclass(frozen=True)
class Field:
    """A column of the review sheet: key, Chinese header, width, and its list of choices."""

    key: str
    zh: str
    width: int
    choices: str = ""  # the column of the lists sheet it takes its values from


FIELDS = [
    Field("fact_id", "数据编号", 30),
    Field("report_id", "来源报告", 22),
    Field("span_start", "原文位置", 9),
    Field("number_text", "原文数字", 12),
    Field("sentence", "原文句子（数字以【】标出）", 60),
    Field("decision", "审阅结论", 14, "decision"),
    Field("subject", "单位", 28, "subject"),
    Field("metric_code", "规范指标", 26, "metric_code"),
    Field("metric", "指标（原文）", 18),
    Field("value", "数值", 14),
    Field("unit", "量纲", 12, "unit"),
    Field("kind", "类别", 16, "kind"),
    Field("qualifier", "数字性质", 12, "qualifier"),
    Field("baseline", "基期", 10),
    Field("period", "期间", 10),
    Field("is_target", "是否目标", 10, "is_target"),
    Field("held_reason", "暂缓原因（若有）", 36),
    Field("note", "审阅备注", 24),
    Field("failed_check", "未通过的核对（请先审）Failed check", 48),
]


ZH = {field.key: field.zh for field in FIELDS}


DECISION_FILL = PatternFill("solid", fgColor="FFF2CC")


READ_ONLY_FILL = PatternFill("solid", fgColor="F2F2F2")


@dataclass(frozen=True)
class Formula:
    """A cell of the returned sheet that holds a formula (read as typed, never computed)."""

    text: str
    cell: str  # its coordinate, e.g. J7


class ReviewError(Exception):
    """A review sheet that cannot be applied; the message names every wrong row and cell."""


@dataclass
class Applied:
    """What applying a sheet recorded."""

    accepted: int = 0
    corrected: int = 0
    rejected: int = 0
    unchanged: int = 0  # decisions already recorded as they are in the sheet
    left: int = 0  # rows without a decision

    @property
    def changed(self) -> int:
        return self.accepted + self.corrected + self.rejected


@dataclass(frozen=True)
class Reference:
    """What a reviewer may choose in each listed column, and the range rules a figure keeps:
    the seeds' one vocabulary (loaders.vocabulary)."""

    words: Vocabulary
    choices: dict[str, frozenset[str]]


def review_reference(paths: Paths) -> Reference:
    words = vocabulary(paths.project / "seeds")
    return Reference(
        words,
        {
            "subject": frozenset(words.subjects),
            "metric_code": frozenset(words.metric_codes),
            "unit": frozenset(words.units),
            "kind": frozenset(words.kinds),
            "qualifier": frozenset(words.qualifiers),
        },
    )


def corrections(row: dict, reading: dict, reference: Reference, number: int):
    """The fields the reviewer changed, parsed; and the problems found, each naming its cell.
    An emptied cell keeps the extractor's reading."""
    corrected: dict = {}
    problems: list[str] = []
    for key in EDITABLE:
        try:
            value = parse_cell(key, row.get(key), reference)
        except ValueError as error:
            problems.append(f"{cell_name(key, number)}: {error}")
            continue
        original = reading.get(key)
        if value is None:
            continue
        if key == "value":
            changed = original is None or abs(value - float(original)) > 1e-9 * max(1.0, abs(value))
        elif key == "is_target":
            changed = value != bool(original)
        else:
            changed = value != (original or None)
        if changed:
            corrected[key] = value
    return corrected, problems


def parse_cell(key: str, raw: object, reference: Reference):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if key == "value":
        if isinstance(raw, bool):
            raise ValueError(f"value {raw!r} is not a number")
        if isinstance(raw, int | float):
            return float(raw)
        try:
            return float(str(raw).replace(",", "").replace("，", "").strip())
        except ValueError:
            raise ValueError(f"value {raw!r} is not a number") from None
    if key == "is_target":
        text = str(raw).strip().lower()
        if text in ("true", "是", "1", "yes"):
            return True
        if text in ("false", "否", "0", "no"):
            return False
        raise ValueError(f"is_target {raw!r} is not true or false")
    text = str(raw).strip()
    known = reference.choices.get(key)
    if known is not None:
        token = as_token(text)
        if token not in known:
            raise ValueError(f"{key} {text!r} is not in the list (see the drop-down)")
        return token
    return text


def check_final(fact: dict, reference: Reference) -> list[str]:
    """The door-in rules a figure must keep after review (plain checks, no GX import)."""
    problems = []
    if not fact.get("subject"):
        problems.append("the figure has no subject: choose one in the subject column")
    problems += reference.words.problems(fact.get("kind"), fact.get("value"), fact.get("unit"))
    return problems


def as_token(value: object) -> str:
    """The code at the start of a list choice ('370783 山东省潍坊市寿光市' -> '370783')."""
    text = str(value or "").strip()
    return text.split()[0].lower() if text else ""


def cell_name(key: str, number: int) -> str:
    column = next(i for i, f in enumerate(FIELDS, start=1) if f.key == key)
    return f"cell {get_column_letter(column)}{number}"

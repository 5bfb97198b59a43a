"""Whose figures a table's cells are: a place named in a row's label column (a table with a
row per county) or in a column's header (a column per county), read with the other names of
its column as a list within the report's unit; a township below the divisions, or a name the
table does not settle, gives a subject with the reason instead."""

from __future__ import annotations

import re

from loaders.subjects import Context, Subject
from loaders.table_labels import PARENS, read_label

COOP_SUFFIX = re.compile(r"(?:供销合作社|供销社|联合社|社|合计|小计|本级)$")


TOWN = re.compile(r"^[\u4e00-\u9fff]{1,6}(?:镇|乡|街道|苏木)(?:供销合作社|供销社|基层社|社)?$")


def row_places(table, grid, roles, body, context: Context) -> dict[int, tuple[Subject, int]]:
    """The place of each body row that names one in a label column (a county's row), read
    with the other rows of its column (a list of short names inside the report's unit), and
    that column."""
    found: dict[int, tuple[Subject, int]] = {}
    for j, role in roles.items():
        if role != "label":
            continue
        names = {i: COOP_SUFFIX.sub("", bare(grid[i][j])) for i in body if grid[i][j]}
        joined, offsets = "", {}
        for i, name in names.items():
            if name:
                offsets[i] = len(joined) + (1 if joined else 0)
                joined += ("、" if joined else "") + name
        mentions = context.mentions(joined)
        for i, name in names.items():
            if TOWN.match(name):
                reason = f"{name}: below a county, not in the divisions"
                found[i] = Subject(None, None, reason), j
                continue
            at = offsets.get(i)
            whole = [m for m in mentions if m.start == at and m.end == at + len(name)]
            if not whole:
                continue
            mention = whole[0]
            if mention.code is None:
                places = context.gazetteer.places
                names_of = " or ".join(places.display_name(c) for c in mention.candidates)
                reason = f"{name}: {names_of}; the table does not say which"
                found[i] = Subject(None, None, reason), j
            else:
                subject_id = context.gazetteer.subject_of(mention.code)
                found[i] = Subject(subject_id, mention.code, grid[i][j]), j
    return found


def column_places(grid, top: int, header: int, context: Context) -> dict[int, Subject]:
    """The place a column's header names (a table with a column per county)."""
    found = {}
    for j in range(len(grid[0])):
        for i in range(top, header):
            name = COOP_SUFFIX.sub("", bare(grid[i][j]))
            mentions = [m for m in context.mentions(name) if m.code] if name else []
            if mentions and mentions[0].start == 0 and mentions[0].end == len(name):
                code = mentions[0].code
                found[j] = Subject(context.gazetteer.subject_of(code), code, grid[i][j])
    return found


def bare(text: str) -> str:
    """A label without its numbering and bracketed notes: （1）浏阳市（县级市） is 浏阳市."""
    label = read_label(text)
    return PARENS.sub("", label.metric or text).strip()

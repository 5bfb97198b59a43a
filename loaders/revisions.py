"""Is a new text a revision of a loaded one, and where did each offset of the old text go?

Pure functions on texts. Two texts are near duplicates when nearly every sentence of the new one
is in the old one once figures are masked (a corrected figure, a fixed typo elsewhere, another
file format's line breaks). Offsets in the sentences both texts share move with their sentence;
offsets in a sentence that changed have nowhere to go."""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Callable

from loaders.reports import normalise, split_sentences

NEAR_DUPLICATE = 0.95  # share of the new text's sentences found in the old one
DIGITS = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")
SPACE = re.compile(r"\s+")
NUMBER_CHAR = re.compile(r"[0-9０-９.．零〇一二两三四五六七八九十百千万亿]")


def masked_sentences(text: str, mask: bool = True) -> list[str]:
    """The sentences of text, normalised, without spaces (a PDF's layout adds and drops them),
    with every number replaced by # (unless mask is false)."""
    sentences = (SPACE.sub("", s.text) for s in split_sentences(normalise(text)))
    return [DIGITS.sub("#", s) if mask else s for s in sentences if s]


def overlap(new: list[str], old: list[str] | set[str]) -> float:
    """The share of the new sentences (masked) that the old text has too."""
    if not new:
        return 0.0
    known = set(old)
    return sum(1 for sentence in new if sentence in known) / len(new)


def offset_map(
    old_text: str, new_text: str, within_changed: bool = False
) -> Callable[[int], int | None]:
    """A function from an offset in old_text to the same place in new_text, or None when the
    sentence it stands in is not in new_text unchanged.

    With within_changed, a sentence that was rewritten in place (one of as many sentences
    replaced by as many) is followed too: an offset in the text it keeps moves with that text,
    and an offset where a figure was rewritten goes to where the new figure starts. That is
    where a changed figure is now; it is not a claim that the sentence still says the same."""
    old = split_sentences(old_text)
    new = split_sentences(new_text)
    matcher = difflib.SequenceMatcher(
        a=[s.text for s in old], b=[s.text for s in new], autojunk=False
    )
    moves: list[tuple[int, int, int]] = []  # (old start, old end, shift)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(a1 - a0):
                before, after = old[a0 + k], new[b0 + k]
                moves.append((before.start, before.end, after.start - before.start))
        elif tag == "replace" and within_changed and a1 - a0 == b1 - b0:
            for k in range(a1 - a0):
                moves.extend(_moves_within(old[a0 + k], new[b0 + k]))

    moves.sort()
    starts = [start for start, _, _ in moves]

    def move(offset: int) -> int | None:
        index = bisect.bisect_right(starts, offset) - 1
        if index >= 0 and offset < moves[index][1]:
            return offset + moves[index][2]
        return None

    return move


def _moves_within(before, after) -> list[tuple[int, int, int]]:
    """Where the characters of a rewritten sentence went: kept runs move as they are; a
    rewritten run (a figure, a word) goes to the start of what replaced it, and a figure that
    grew at its front (15% to 115%) starts where it now starts."""
    matcher = difflib.SequenceMatcher(a=before.text, b=after.text, autojunk=False)
    moves: list[tuple[int, int, int]] = []
    grew_at = None  # where digits were inserted just before the next kept run
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        shift = after.start + b0 - (before.start + a0)
        start = before.start + a0
        if tag == "equal":
            if grew_at is not None and NUMBER_CHAR.match(before.text[a0]):
                moves.append((start, start + 1, grew_at - start))
                start += 1
            if start < before.start + a1:
                moves.append((start, before.start + a1, shift))
        elif tag == "replace":
            moves.append((start, start + 1, shift))
        grew_at = (
            after.start + b0 if tag == "insert" and NUMBER_CHAR.match(after.text[b1 - 1]) else None
        )
    return moves

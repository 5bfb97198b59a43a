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


def offset_map(old_text: str, new_text: str) -> Callable[[int], int | None]:
    """A function from an offset in old_text to the same place in new_text, or None when the
    sentence it stands in is not in new_text unchanged."""
    old = split_sentences(old_text)
    new = split_sentences(new_text)
    matcher = difflib.SequenceMatcher(
        a=[s.text for s in old], b=[s.text for s in new], autojunk=False
    )
    moves: list[tuple[int, int, int]] = []  # (old start, old end, shift)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            before, after = old[block.a + k], new[block.b + k]
            moves.append((before.start, before.end, after.start - before.start))

    moves.sort()
    starts = [start for start, _, _ in moves]

    def move(offset: int) -> int | None:
        index = bisect.bisect_right(starts, offset) - 1
        if index >= 0 and offset < moves[index][1]:
            return offset + moves[index][2]
        return None

    return move

"""Traditional characters (繁體) to simplified, one character for one, so that a report's
spans index its text as it was written: position i of the converted text is position i of
the original, and the length is the same.

The table is OpenCC's TSCharacters (shipped in the opencc-python-reimplemented package), its
single-character entries only, each with its first candidate (乾 -> 干, 後 -> 后). OpenCC's
phrase tables would read some words better (乾隆 keeps 乾) but may change a text's length, so
they are not used. A text is converted only when it looks traditional (see looks_traditional):
a report in simplified characters is never changed, not even the odd 於 or 乾 of a name in it.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np

# what each character is, to tell a traditional text at C speed (a report of millions of
# characters is looked at in milliseconds): other, Chinese, a traditional form, simplified only
OTHER, CHINESE, TRADITIONAL, SIMPLIFIED = range(4)
CHINESE_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0x20000, 0x3134F))
# A text is traditional when at least this share of its Chinese characters are traditional
# forms (about 40% in a 繁體 report; none in a simplified one, bar a name or two) ...
TRADITIONAL_SHARE = 0.05
# ... and they outnumber the characters that only simplified text has (们, 这, 发: about 40%
# of a simplified report's characters), so a simplified text quoting a 繁體 title stays as is.


@cache
def _tables() -> tuple[dict[int, int], np.ndarray]:
    """The one-for-one table (traditional -> simplified, for str.translate), and what each
    code point is (OTHER, CHINESE, TRADITIONAL or SIMPLIFIED, by its index)."""
    dictionary = resources.files("opencc") / "dictionary"
    to_simplified = _single_characters(dictionary / "TSCharacters.txt")
    to_traditional = _single_characters(dictionary / "STCharacters.txt")
    table = {ord(k): ord(v) for k, v in to_simplified.items() if k != v}
    kinds = np.full(0x110000, OTHER, dtype=np.int8)
    for first, last in CHINESE_RANGES:
        kinds[first : last + 1] = CHINESE
    simplified = [ord(k) for k, v in to_traditional.items() if k != v and k not in to_simplified]
    kinds[simplified] = SIMPLIFIED
    kinds[list(table)] = TRADITIONAL
    return table, kinds


def _single_characters(path) -> dict[str, str]:  # path: a Traversable of the package
    """An OpenCC dictionary's entries of one character whose first candidate is one too."""
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, candidates = line.partition("\t")
        first = candidates.split(" ", 1)[0]
        if len(key) == 1 and len(first) == 1:
            pairs[key] = first
    return pairs


def looks_traditional(text: str) -> bool:
    """True if text is written in traditional characters (see the constants above)."""
    _, kinds = _tables()
    points = np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), dtype="<u4")
    counts = np.bincount(kinds[points], minlength=4)
    forms, simplified = counts[TRADITIONAL], counts[SIMPLIFIED]
    chinese = counts[CHINESE] + forms + simplified
    return bool(forms > simplified and forms >= TRADITIONAL_SHARE * chinese and forms)


def to_simplified(text: str) -> str:
    """text in simplified characters, one for one, if it looks traditional; else text as it
    is. The result has text's length, and each position holds the same character or its
    simplified form."""
    if not looks_traditional(text):
        return text
    table, _ = _tables()
    return text.translate(table)

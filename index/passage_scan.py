"""The C loops of index/native/passages.c, and a question's terms packed for them.

C reads the terms as one uint32 array (pack), the fold table as another and the weights as
float64: here they are built, so a caller cannot hand C another layout; C still checks
every length and index against its buffer.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from .native import load
from .normalize import FOLD_TABLE

_c = load("passages")


def _fold(classes: bool) -> bytes:
    """normalize.FOLD_TABLE as C reads it (a character's code -> its base letter's, else 0).

    classes: only the lower-case letters, each to its base in lower case: the letters a bare
    syllable's character class holds (passages._letter_classes), "ệ" -> "e".
    """
    table = array("I", bytes(4 * (max(FOLD_TABLE) + 1)))
    for code, base in FOLD_TABLE.items():
        if not classes:
            table[code] = ord(base)
        elif chr(code) == chr(code).lower():
            table[code] = ord(base.lower())
    return table.tobytes()


_FOLD, _TRANSLATE = _fold(classes=True), _fold(classes=False)


def pack(terms: Sequence[tuple[int, Sequence[tuple[bool, Sequence[str]]]]]) -> bytes:
    """Terms in the order they are tried: (index, [(exact, alternatives) per syllable])."""
    out = array("I", [len(terms)])
    for index, syllables in terms:
        out += array("I", [index, len(syllables)])
        for exact, alternatives in syllables:
            out += array("I", [int(exact), len(alternatives)])
            for alt in alternatives:
                out.append(len(alt))
                out += array("I", [ord(ch) for ch in alt])
    return out.tobytes()


def weights(values: Sequence[float]) -> bytes:
    """The terms' weights as C reads them (float64, by term index)."""
    return array("d", values).tobytes()


def sentences(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of every sentence of a text (passages.sentences)."""
    return _c.sentences(text)


def find(text: str, lowered: str | None, spec: bytes, n_terms: int) -> list[tuple[int, int, int]]:
    """(start, end, term index) of every match in a text, matched in lower case.

    lowered: the text in lower case, or None to have C lower it (passages.lowered_in_c).
    """
    return _c.find(text, lowered, spec, _FOLD, n_terms)


def passages(
    texts: Sequence[str],
    lowered: Sequence[str | None],
    whole: bool,
    spec: bytes,
    weighs: bytes,
    window: int,
    proximity: float,
) -> list[tuple[int, int, float]]:
    """Each text's best window of sentences (whole: each text is one): start, end, score.

    lowered: per text, the text in lower case, or None to have C lower it (as find's).
    """
    return _c.passages(texts, lowered, whole, spec, _FOLD, weighs, window, proximity)


def folded_syllables(text: str) -> list[str]:
    """re.findall(r"[^\\W_]+", text.translate(FOLD_TABLE)): an NFC text's syllables, folded."""
    return _c.folded_syllables(text, _TRANSLATE)

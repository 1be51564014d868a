"""Vietnamese text normal forms: NFC, one tone-mark style, lower case, accent folding."""

from __future__ import annotations

import re
import unicodedata

# Control characters other than tab and newline, zero-width characters, the soft hyphen,
# the word joiner, bidi controls (U+202E turns text around) and lone surrogates: invisible,
# yet they split or join words, or make a text read as another.
INVISIBLE = re.compile(
    r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u061c\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u2069\ufeff\ud800-\udfff]"
)
# What a user types between words that shows as a gap: controls and the zero-width space.
_GAPS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b\u2028\u2029]")
_TONES = "\u0300\u0301\u0309\u0303\u0323"  # huyền, sắc, hỏi, ngã, nặng


def _toned(vowel: str, tone: str) -> str:
    return unicodedata.normalize("NFC", vowel + tone)


def _tone_style_table() -> dict[str, str]:
    # pyvi's dictionary writes the tone of an open "oa", "oe", "uy" on the second vowel
    # ("hoà", "khoẻ", "thuỷ"); most current sites write it on the first ("hòa", "thủy").
    # Both are correct Vietnamese, so every text is brought to pyvi's style.
    table: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for tone in _TONES:
            for f, s in ((first, second), (first.upper(), second), (first.upper(), second.upper())):
                table[_toned(f, tone) + s] = f + _toned(s, tone)
    return table


# old-style tone placement -> pyvi's ("hòa" -> "hoà"), for readers that match either
TONE_STYLE = _tone_style_table()
# The pair must close the syllable: "hòan" is not a word, "hoàng" is written one way only.
_TONE_RE = re.compile("(" + "|".join(sorted(TONE_STYLE)) + r")(?![^\W\d_])")


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {ord("đ"): "d", ord("Đ"): "D"}
    for code in range(0xC0, 0x1EFF + 1):
        ch = chr(code)
        base = unicodedata.normalize("NFD", ch)[0]
        if base != ch and base.isascii() and base.isalpha():
            table[code] = base
    return table


# str.translate table: each letter with diacritics -> its base letter ("ệ" -> "e")
FOLD_TABLE = _fold_table()
_DIACRITIC_CHARS = frozenset(chr(c) for c in FOLD_TABLE)


def clean_input(text: str) -> str:
    """What a user typed as it reads: gaps (controls, U+200B) become spaces, invisibles go.

    ``giá\u200bvàng`` shows as two words and is two words; a bidi control or a joiner
    shows as nothing and is dropped. Topics, questions and feed addresses pass here first.
    """
    return " ".join(unicodedata.normalize("NFC", INVISIBLE.sub("", _GAPS.sub(" ", text))).split())


def tone_style(text: str) -> str:
    """Move the tone mark of open "oa", "oe", "uy" onto the second vowel (pyvi's style)."""
    return _TONE_RE.sub(lambda m: TONE_STYLE[m.group(1)], text)


def normalize(text: str) -> str:
    """NFC, pyvi's tone-mark style and lower case: the form that is segmented and indexed."""
    # documents are cleaned as they are read; a query typed or pasted is cleaned here
    return tone_style(unicodedata.normalize("NFC", INVISIBLE.sub("", text))).lower()


def fold(text: str) -> str:
    """Strip every diacritic and turn "đ" into "d" ("Thành uỷ" -> "Thanh uy")."""
    return unicodedata.normalize("NFC", text).translate(FOLD_TABLE)


def has_diacritics(text: str) -> bool:
    """Whether the text carries any Vietnamese diacritic (then its accents are meant)."""
    # (the planner asks this of every syllable a mistyping could be: set.isdisjoint walks
    # the characters in C, and no diacritic is ASCII)
    return not text.isascii() and not _DIACRITIC_CHARS.isdisjoint(
        unicodedata.normalize("NFC", text)
    )

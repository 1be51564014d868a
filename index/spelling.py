"""Mistyped syllables: the word a reader meant by "phẫu tuật" or "bậnh nhân".

A syllable is taken as mistyped when it stands alone in the question (pyvi joined it into
no word), is rare in the archive, makes no word with its neighbours, and one edit of it is
a common syllable that makes a common word with a neighbour. That word is searched too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from .normalize import FOLD_TABLE

# lower-case Vietnamese letters: the Latin ones and every one with diacritics
LETTERS = "".join(
    sorted({chr(c) for c in FOLD_TABLE if chr(c).islower()} | set("abcdefghijklmnopqrstuvwxyz"))
)
COMMON = 20  # the meant syllable and word are each in at least this many articles...
RARE = 0.05  # ...and the typed syllable and pair in at most this share of theirs
SELDOM = 0.001  # a mistyped syllable is in fewer articles than this share (or COMMON)
MEANT = 3  # a syllable making a word in this many articles with a neighbour was meant
LONGEST = 12  # no Vietnamese syllable is longer: anything longer is not a mistyped one
TRIED = 4  # seldom-seen syllables whose edits are looked up, per question (each ~2,000)


def edits(syllable: str) -> set[str]:
    """Every string one deleted, swapped, replaced or added letter away."""
    s = syllable
    out = {s[:i] + s[i + 1 :] for i in range(len(s))}
    out |= {s[:i] + s[i + 1] + s[i] + s[i + 2 :] for i in range(len(s) - 1)}
    out |= {s[:i] + c + s[i + 1 :] for i in range(len(s)) for c in LETTERS}
    out |= {s[:i] + c + s[i:] for i in range(len(s) + 1) for c in LETTERS}
    out.discard(s)
    out.discard("")
    return out


def corrections(
    terms: Sequence[str],
    syllable_df: Callable[[str], int],
    word_df: Callable[[str], int],
    articles: int,
    ahead: Callable[[Iterable[str], Iterable[str]], None] | None = None,
) -> list[str]:
    """Words meant where a lone syllable of the question's terms (in order) is mistyped.

    ahead(syllables, words), when given, is told which counts are about to be read, so
    counts served over the network come in a few batches rather than one by one.
    """
    sylls = [s for t in terms for s in t.split("_")]
    alone = [len(t.split("_")) == 1 for t in terms for _ in t.split("_")]
    want = ahead or (lambda syllables, words: None)
    want(
        [s for s, lone in zip(sylls, alone, strict=True) if lone],
        [_join(a, b, None) for a, b in zip(sylls, sylls[1:], strict=False)],
    )
    # the seldom-seen syllables that make no word with a neighbour, with their neighbours
    doubtful: list[tuple[str, int, list[tuple[str | None, str | None]]]] = []
    for i, typed in enumerate(sylls):
        if not alone[i] or not typed.isalpha() or len(typed) > LONGEST:
            continue
        seen = syllable_df(typed)
        if seen > max(COMMON, SELDOM * articles):
            continue  # a syllable this common is a word readers mean (and costs no edits)
        pairs = [(sylls[i - 1], None)] if i else []
        pairs += [(None, sylls[i + 1])] if i + 1 < len(sylls) else []
        if any(word_df(_join(before, typed, after)) >= MEANT for before, after in pairs):
            continue  # it makes a word with a neighbour: it is what the reader meant
        if len(doubtful) == TRIED:
            break  # a reader mistypes a word or two; a question of junk costs no more
        doubtful.append((typed, seen, pairs))
    tries = [edits(typed) for typed, _, _ in doubtful]
    want([m for t in tries for m in t], ())
    likely = [
        [m for m in t if syllable_df(m) >= COMMON and seen <= RARE * syllable_df(m)]
        for t, (_, seen, _) in zip(tries, doubtful, strict=True)
    ]
    want(
        (),
        [
            _join(b, m, a)
            for ms, (_, _, pairs) in zip(likely, doubtful, strict=True)
            for m in ms
            for b, a in pairs
        ],
    )
    out: list[str] = []
    for ms, (_, _, pairs) in zip(likely, doubtful, strict=True):
        best, best_df = "", 0
        for meant in ms:
            for before, after in pairs:
                word = _join(before, meant, after)
                n = word_df(word)
                if n >= COMMON and n > best_df:
                    best, best_df = word, n
        if best and best not in terms and best not in out:
            out.append(best)
    return out


def _join(before: str | None, syllable: str, after: str | None) -> str:
    return "_".join(s for s in (before, syllable, after) if s)

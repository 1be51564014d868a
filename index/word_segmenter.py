"""pyvi's word segmentation, token for token, at a fraction of its cost.

pyvi (``ViTokenizer.tokenize``) builds a dict of string features for every syllable and
python-crfsuite converts them on every call. Its model is a two-label linear-chain CRF
whose features are the lower-cased syllable at offsets -1, 0, +1, three case flags and
membership of the bigram and trigram windows in pyvi's ``words.txt``. Here the trained
weights are read once out of pyvi's own model file, each distinct syllable is looked up
once (a cache keyed by the syllable), the state scores are summed with numpy and the
Viterbi runs over plain floats. Every addition happens in crfsuite's own order, so the
scores are bit for bit crfsuite's and so are the labels.
"""

from __future__ import annotations

import codecs
import pickle
import re
import string
import struct
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np

from .memo import memo_map

# pyvi's own syllabification (ViTokenizer.sylabelize), with its inner groups made
# non-capturing so that findall returns the matches themselves; alternation order kept.
_CAPITALS = [r"[A-ZĐ]+\.", r"Tp\.", r"Mr\.", r"Mrs\.", r"Ms\.", r"Dr\.", r"ThS\."]
_SPECIALS = ["==>", "->", r"\.\.\.", ">>", "\n"]
_WEB = r"\w+://[^\s]+"
_EMAIL = r"(?:[a-zA-Z0-9_.+-]+@(?:[a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+)"
_REST = [r"\d+(?:[\.,_]\d+)+", r"[^\w\s]", r"\w+"]
_CAPITAL_RE = re.compile("[A-ZĐ]")


def _syllable_re(capitals: bool, web: bool, email: bool) -> re.Pattern:
    parts = (_CAPITALS if capitals else []) + _SPECIALS
    parts += ([_WEB] if web else []) + ([_EMAIL] if email else []) + _REST
    return re.compile("(" + "|".join(parts) + ")")


# An alternative that cannot match anywhere in a text changes nothing when left out, and
# the capital, web and e-mail ones cost the most (they backtrack over every word): each
# text is split by the pattern of the alternatives it can match.
_SYLLABLE_RES = {
    (c, w, e): _syllable_re(c, w, e)
    for c in (False, True)
    for w in (False, True)
    for e in (False, True)
}


def _syllables(text: str) -> list[str]:
    key = (_CAPITAL_RE.search(text) is not None, "://" in text, "@" in text)
    return _SYLLABLE_RES[key].findall(text)


B_W, I_W = "B_W", "I_W"
# Token flags, packed in the low bits of a token's code; the vocabulary id sits above them.
_UPPER, _TITLE, _DIGIT, _PUNCT, _FIRST_DIGIT, _FIRST_TITLE = (1 << i for i in range(6))
_FLAG_BITS = 6
# Distinct raw tokens kept; beyond this the cache starts over (numbers, URLs, names).
_CACHE_LIMIT = 400_000


def syllabify(text: str) -> tuple[str, list[str]]:
    """pyvi's sylabelize: the NFC text and its syllables, punctuation and special tokens."""
    text = unicodedata.normalize("NFC", text)
    return text, _syllables(text)


@dataclass(frozen=True, slots=True)
class CrfModel:
    """A crfsuite CRF1d model: labels, attribute names and their per-label weights."""

    labels: tuple[str, ...]
    attributes: dict[str, int]
    state: np.ndarray  # float64 (attributes, labels)
    transitions: np.ndarray  # float64 (labels, labels): from, to

    def weight(self, attribute: str) -> np.ndarray:
        """The per-label weights of one attribute (zeros when the model lacks it)."""
        aid = self.attributes.get(attribute)
        return self.state[aid] if aid is not None else np.zeros(len(self.labels))


class _Stub:
    """Stands for any class in pyvi's pickle: only the model file's bytes are wanted."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __setstate__(self, state: object) -> None:
        self.__dict__["state"] = state


class _ModelUnpickler(pickle.Unpickler):
    # Builds no foreign object (no sklearn import, no code run): every class is a stub,
    # and only codecs.encode is real because protocol-2 pickles store bytes through it.
    def find_class(self, module: str, name: str) -> object:
        if (module, name) == ("_codecs", "encode"):
            return codecs.encode
        return _Stub


def pyvi_model_dir() -> Path:
    """The folder of pyvi's model files."""
    import importlib.util

    spec = importlib.util.find_spec("pyvi")
    if spec is None or spec.origin is None:
        raise RuntimeError("pyvi is not installed: it holds the segmentation model")
    return Path(spec.origin).parent / "models"


def crfsuite_bytes_from_pyvi(path: Path) -> bytes:
    """The crfsuite model file that pyvi's pickled sklearn-crfsuite estimator carries."""
    with path.open("rb") as f:
        estimator = _ModelUnpickler(f).load()
    resource = estimator.state["modelfile"]
    return resource.state["__FILE_RESOURCE_DATA__"]


def _cqdb_strings(data: bytes, offset: int, count: int) -> list[str]:
    chunk, _size, _flag, _order, bwd_size, bwd_offset = struct.unpack_from("<4sIIIII", data, offset)
    if chunk != b"CQDB" or bwd_size < count:
        raise ValueError("not a crfsuite string database")
    backward = struct.unpack_from(f"<{count}I", data, offset + bwd_offset)
    out = []
    for i, rel in enumerate(backward):
        sid, size = struct.unpack_from("<iI", data, offset + rel)
        if sid != i:
            raise ValueError("crfsuite string database out of order")
        start = offset + rel + 8
        out.append(data[start : start + size - 1].decode("utf-8"))
    return out


def read_crfsuite(data: bytes) -> CrfModel:
    """Parse a crfsuite CRF1d model file (the exact float64 weights, unlike its text dump)."""
    head = struct.unpack_from("<4sI4sIIIIIIIII", data, 0)
    magic, _size, kind, _version, _nf, n_labels, n_attrs, off_feat, off_labels, off_attrs = head[
        :10
    ]
    if magic != b"lCRF" or kind != b"FOMC":
        raise ValueError("not a crfsuite CRF1d model")
    labels = tuple(_cqdb_strings(data, off_labels, n_labels))
    names = _cqdb_strings(data, off_attrs, n_attrs)
    chunk, _csize, n_feat = struct.unpack_from("<4sII", data, off_feat)
    if chunk != b"FEAT":
        raise ValueError("crfsuite model without features")
    feature = np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("w", "<f8")])
    feats = np.frombuffer(data, dtype=feature, count=n_feat, offset=off_feat + 12)
    state = np.zeros((n_attrs, n_labels))
    transitions = np.zeros((n_labels, n_labels))
    is_state = feats["type"] == 0
    s, t = feats[is_state], feats[~is_state]
    state[s["src"], s["dst"]] = s["w"]
    transitions[t["src"], t["dst"]] = t["w"]
    return CrfModel(labels, {n: i for i, n in enumerate(names)}, state, transitions)


def _read_words(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return f.read().split("\n")


class Segmenter:
    """pyvi's ViTokenizer.tokenize, the same string for every text, several times faster."""

    def __init__(self, model: CrfModel, words: list[str]) -> None:
        if set(model.labels) != {B_W, I_W}:
            raise ValueError(f"not pyvi's word model: labels {model.labels}")
        self._inside = model.labels.index(I_W)
        vocab: dict[str, int] = {}
        lowered: dict[str, list[tuple[str, int]]] = {"": [], "-1:": [], "+1:": []}
        for name, aid in model.attributes.items():
            for offset in lowered:
                prefix = offset + "word.lower():"
                if name.startswith(prefix):
                    word = name[len(prefix) :]
                    vocab.setdefault(word, len(vocab) + 1)
                    lowered[offset].append((word, aid))
        # pyvi looks up " ".join(window).lower(): only entries already in lower case can match.
        grams = [w.split(" ") for w in words if w == w.lower()]
        grams = [g for g in grams if len(g) in (2, 3)]
        for gram in grams:
            for syllable in gram:
                vocab.setdefault(syllable, len(vocab) + 1)
        self._vocab = vocab
        self._base = base = len(vocab) + 1  # id 0: a syllable outside every table
        tables = {}
        for offset, pairs in lowered.items():
            table = np.zeros((base, len(model.labels)))
            for word, aid in pairs:
                table[vocab[word]] = model.state[aid]
            tables[offset] = table
        self._own, self._prev, self._next = tables[""], tables["-1:"], tables["+1:"]
        w = model.weight
        self._bias = w("bias")
        self._upper, self._title, self._digit = (
            w("word.isupper()"),
            w("word.istitle()"),
            w("word.isdigit()"),
        )
        self._prev_title, self._prev_upper = w("-1:word.istitle()"), w("-1:word.isupper()")
        self._prev_bigram, self._prev_trigram = w("-1:word.bi_gram()"), w("-2:word.tri_gram()")
        self._next_title, self._next_upper = w("+1:word.istitle()"), w("+1:word.isupper()")
        self._next_bigram, self._next_trigram = w("+1:word.bi_gram()"), w("+2:word.tri_gram()")
        self._trans = [float(x) for x in model.transitions.ravel()]
        ids = [[vocab[s] for s in g] for g in grams]
        self._bigrams = np.unique(
            np.array([a * base + b for a, b in (g for g in ids if len(g) == 2)], dtype=np.int64)
        )
        self._trigrams = np.unique(
            np.array(
                [(a * base + b) * base + c for a, b, c in (g for g in ids if len(g) == 3)],
                dtype=np.int64,
            )
        )
        self._codes: dict[str, int] = {}

    @classmethod
    def from_pyvi(cls) -> Segmenter:
        """The segmenter of pyvi's installed model and dictionary."""
        models = pyvi_model_dir()
        model = read_crfsuite(crfsuite_bytes_from_pyvi(models / "pyvi3.pkl"))
        return cls(model, _read_words(models / "words.txt"))

    def _code(self, token: str) -> int:
        flags = (
            token.isupper() * _UPPER
            | token.istitle() * _TITLE
            | token.isdigit() * _DIGIT
            | (token in string.punctuation) * _PUNCT
            | token[0].isdigit() * _FIRST_DIGIT
            | token[0].istitle() * _FIRST_TITLE
        )
        return self._vocab.get(token.lower(), 0) << _FLAG_BITS | flags

    def _token_codes(self, tokens: list[str]) -> np.ndarray:
        return np.array(memo_map(self._codes, _CACHE_LIMIT, tokens, self._code), dtype=np.int64)

    def state_scores(self, codes: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Label scores of every position of the texts that begin at `starts`, in crfsuite's sums.

        Several texts are scored at once: a feature that would reach across the start of a
        text adds 0.0 instead, which leaves the sum exactly as if it had not been added.
        """
        vid = codes >> _FLAG_BITS
        upper = ((codes & _UPPER) != 0).astype(np.float64)[:, None]
        title = ((codes & _TITLE) != 0).astype(np.float64)[:, None]
        digit = ((codes & _DIGIT) != 0).astype(np.float64)[:, None]
        base = self._base
        cut = starts[starts > 0]  # positions that have no predecessor in their text
        pairs = vid[:-1] * base + vid[1:]
        bigram = _member(pairs, self._bigrams)[:, None]
        trigram = _member(pairs[:-1] * base + vid[2:], self._trigrams)[:, None]
        bigram[cut - 1] = 0.0
        trigram[cut[cut >= 2] - 2] = 0.0
        trigram[cut[cut < len(trigram) + 1] - 1] = 0.0
        # pyvi's dict order: bias, word and its flags, then -1 and -2, then +1 and +2.
        # A false flag adds weight x 0.0, which leaves the sum as it is.
        s = self._bias + self._own[vid]
        s += upper * self._upper
        s += title * self._title
        s += digit * self._digit
        for term in (
            self._prev[vid[:-1]],
            title[:-1] * self._prev_title,
            upper[:-1] * self._prev_upper,
            bigram * self._prev_bigram,
        ):
            term[cut - 1] = 0.0
            s[1:] += term
        s[2:] += trigram * self._prev_trigram
        for term in (
            self._next[vid[1:]],
            title[1:] * self._next_title,
            upper[1:] * self._next_upper,
            bigram * self._next_bigram,
        ):
            term[cut - 1] = 0.0
            s[:-1] += term
        s[:-2] += trigram * self._next_trigram
        return s

    def labels(self, s0: list[float], s1: list[float]) -> bytearray:
        """crfsuite's Viterbi over two labels, ties broken as it breaks them (lower label id)."""
        t00, t01, t10, t11 = self._trans
        a, b = s0[0], s1[0]
        # back[t]: bit j set when label j at t came from label 1 at t-1 (crfsuite keeps the
        # first of equal scores, so a tie stays with label 0)
        back = [0]
        step = back.append
        for x0, x1 in zip(s0[1:], s1[1:], strict=True):
            p, q = a + t00, b + t10
            if p < q:
                p, r = a + t01, b + t11
                if p < r:
                    a, b = q + x0, r + x1
                    step(3)
                else:
                    a, b = q + x0, p + x1
                    step(1)
            else:
                q, r = a + t01, b + t11
                if q < r:
                    a, b = p + x0, r + x1
                    step(2)
                else:
                    a, b = p + x0, q + x1
                    step(0)
        n = len(s0)
        labels = bytearray(n)
        last = 1 if a < b else 0
        labels[n - 1] = last
        for t in range(n - 1, 0, -1):
            last = (back[t] >> last) & 1
            labels[t - 1] = last
        return labels

    def __call__(self, text: str) -> str:
        """Syllables joined into words with "_", exactly as ViTokenizer.tokenize(text)."""
        return self.many([text])[0]

    def many(self, texts: Sequence[str]) -> list[str]:
        """ViTokenizer.tokenize of each text, the texts scored together (fewer numpy calls)."""
        tokenized = [_syllables(unicodedata.normalize("NFC", t)) for t in texts]
        sizes = np.fromiter(map(len, tokenized), dtype=np.int64, count=len(tokenized))
        ends = np.cumsum(sizes)
        starts = ends - sizes
        flat = list(chain.from_iterable(tokenized))
        if not flat:
            return list(texts)
        codes = self._token_codes(flat)
        scores = self.state_scores(codes, starts[sizes > 0])
        s0, s1 = scores[:, 0].tolist(), scores[:, 1].tolist()
        labels = bytearray()
        for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
            if hi > lo:
                labels += self.labels(s0[lo:hi], s1[lo:hi])
        inside = np.frombuffer(labels, dtype=np.uint8) == self._inside
        # pyvi's joining rule: never across punctuation or digits, nor into a capital.
        no_join = _PUNCT | _FIRST_DIGIT
        join = inside[1:]
        join &= (codes[1:] & no_join) == 0
        join &= (codes[:-1] & no_join) == 0
        join &= ~(((codes[1:] & _FIRST_TITLE) != 0) & ((codes[:-1] & _FIRST_TITLE) == 0))
        seps = [""]
        seps += np.where(join, "_", " ").tolist()
        out = []
        for text, tokens, lo, hi in zip(
            texts, tokenized, starts.tolist(), ends.tolist(), strict=True
        ):
            if not tokens:
                out.append(text)  # pyvi returns its input when it finds no syllable
                continue
            parts = [""] * (2 * len(tokens) - 1)
            parts[0::2] = tokens
            parts[1::2] = seps[lo + 1 : hi]
            out.append("".join(parts))
        return out


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """1.0 where a value is in the sorted array, else 0.0."""
    if not len(sorted_set) or not len(values):
        return np.zeros(len(values))
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return (sorted_set[at] == values).astype(np.float64)

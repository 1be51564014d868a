"""The field schema: each field declared once, its terms exactly as segments store them."""

from __future__ import annotations

import itertools
from pathlib import Path

from index.analysis import Analyzer, fold_terms
from index.fields import (
    FIELDS,
    SCHEMA,
    SYLLABLE_FIELDS,
    UNIT,
    Field,
    field_terms,
    unit,
)
from index.query import aliases_in_words
from index.sources import read_file

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def old_field_terms(title_terms: list[str], body_terms: list[str]) -> dict[str, list[str]]:
    """field_terms as it was before the schema, copied: segments on disk were written by it."""
    whole = title_terms + body_terms
    folded = fold_terms(whole)
    syllable_text = " ".join(folded).replace("_", " ")
    return {
        "body": whole,
        "title": title_terms,
        "fold": folded,
        "fold_title": folded[: len(title_terms)],
        "alias": aliases_in_words(syllable_text),
        "syl": syllable_text.split(),
        "asyl": [s for t in whole for s in t.split("_") if not s.isascii()],
    }


def test_field_terms_are_unchanged_on_real_articles():
    analyzer = Analyzer()
    files = sorted(SAMPLES.glob("*.jsonl"))
    articles = [a for a in itertools.chain.from_iterable(read_file(p) for p in files[:3])]
    articles = [a for a in articles if hasattr(a, "title")][:5]
    extra = ("TP.HCM đón khách Hà Nội", "Thành uỷ TP HCM họp về mưa bão và giá vàng 2024")
    pairs = [analyzer.analyze(a.title, a.body) for a in articles] + [analyzer.analyze(*extra)]
    assert len(pairs) >= 2 and any(len(b) > 50 for _, b in pairs)
    for title, body in pairs:
        new, old = field_terms(title, body), old_field_terms(title, body)
        assert list(new) == list(old)  # the order segments store the fields in
        assert new == old
    assert old_field_terms([], []) == field_terms([], [])


def test_fields_derive_from_the_schema():
    assert FIELDS == ("body", "title", "fold", "fold_title", "alias", "syl", "asyl")
    assert SYLLABLE_FIELDS == ("syl", "asyl")
    assert [unit(f) for f in FIELDS] == [0.0] * 5 + [UNIT, UNIT]
    assert all(isinstance(f, Field) for f in SCHEMA)


def test_a_new_field_is_one_declaration(monkeypatch):
    import index.fields as fields

    upper = Field("upper", lambda s: [t.upper() for t in s.title], syllable=True)
    schema = (*fields.SCHEMA, upper)
    monkeypatch.setattr(fields, "SCHEMA", schema)
    made = fields.field_terms(["giá", "vàng"], ["tăng"])
    assert list(made)[-1] == "upper" and made["upper"] == ["GIÁ", "VÀNG"]

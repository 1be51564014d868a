"""BM25 scores equal rank_bm25.BM25Okapi on the same token lists, across adds and removals."""

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from index.bm25 import BM25Params, FieldPostings
from index.segment_format import SegmentWriter, read_segment

WORDS = [
    "của",
    "là",
    "và",
    "hà_nội",
    "giá",
    "vàng",
    "thành_uỷ",
    "bão",
    "lũ",
    "miền_trung",
    "bóng_đá",
    "việt_nam",
    "tăng",
    "giảm",
    "xăng",
    "dầu",
    "học_sinh",
    "thi",
    "điểm",
    "covid",
]


def corpus(n: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    # skewed frequencies so that some words are in more than half the documents
    weights = [40, 30, 25, 5, 4, 4, 3, 3, 3, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1]
    return [rng.choices(WORDS, weights, k=rng.randint(1, 40)) for _ in range(n)]


def scores_of(field: FieldPostings, size: int, query: list[str]) -> np.ndarray:
    out = np.zeros(size)
    field.accumulate(out, query)
    return out


QUERIES = [
    ["của", "giá", "vàng"],
    ["thành_uỷ", "hà_nội"],
    ["là"],
    ["bão", "bão", "lũ"],
    ["không_có"],
    ["covid", "thi", "điểm", "và"],
]


def test_delta_only_equals_rank_bm25():
    docs = corpus(300, 1)
    field = FieldPostings("body", BM25Params())
    for i, d in enumerate(docs):
        field.add(i, d)
    ref = BM25Okapi(docs)
    for q in QUERIES:
        np.testing.assert_allclose(scores_of(field, len(docs), q), ref.get_scores(q), rtol=1e-12)


def test_segment_plus_delta_minus_removed_equals_rank_bm25(tmp_path):
    docs = corpus(400, 2)
    writer = SegmentWriter(["body"])
    for i, d in enumerate(docs[:300]):
        writer.add(i, {"body": d})
    writer.write(tmp_path / "seg", 300, {})
    info, docnos, fields = read_segment(tmp_path / "seg")
    assert info["upto"] == 300 and len(docnos) == 300
    field = FieldPostings("body", BM25Params(), fields["body"])
    field.set_base_stats(300, sum(len(d) for d in docs[:300]))
    for i, d in enumerate(docs[300:], 300):
        field.add(i, d)
    removed = {3, 17, 150, 299, 310, 399}
    for i in removed:
        field.remove(i, docs[i])
    live = [i for i in range(len(docs)) if i not in removed]
    ref = BM25Okapi([docs[i] for i in live])
    for q in QUERIES:
        got = scores_of(field, len(docs), q)[live]
        np.testing.assert_allclose(got, ref.get_scores(q), rtol=1e-12)


def test_negative_idf_floor_follows_the_mean_idf():
    # "của" is in every document: BM25Okapi floors its idf at epsilon x mean idf
    docs = [["của", "a"], ["của", "b"], ["của", "c"], ["của", "a", "b"]]
    field = FieldPostings("body", BM25Params())
    for i, d in enumerate(docs):
        field.add(i, d)
    ref = BM25Okapi(docs)
    assert field.idf("của") == pytest.approx(ref.idf["của"], rel=1e-12)
    assert field.idf("a") == pytest.approx(ref.idf["a"], rel=1e-12)
    assert field.idf("zzz") == 0.0


def test_a_segment_keeps_term_ids_in_first_seen_order_and_caps_tf(tmp_path):
    writer = SegmentWriter(["body"])
    writer.add(0, {"body": ["b", "a", "b"]})
    writer.add(2, {"body": ["c", "a"] + ["d"] * 70_000})
    writer.write(tmp_path / "seg", 3, {})
    _, docnos, fields = read_segment(tmp_path / "seg")
    body = fields["body"]
    assert docnos.tolist() == [0, 2] and body.terms == ["b", "a", "c", "d"]
    assert body.offsets.tolist() == [0, 1, 3, 4, 5]
    got = [body.postings(t) for t in range(4)]
    assert [d.tolist() for d, _ in got] == [[0], [0, 2], [2], [2]]
    assert [t.tolist() for _, t in got] == [[2], [1, 1], [1], [65535]]
    assert body.cf.tolist() == [2, 2, 1, 65535] and body.maxtf.tolist() == [2, 1, 1, 65535]
    assert body.dl.tolist() == [3, 0, 70_002]


def test_lucene_idf_and_another_b_score_as_their_formulas():
    docs = corpus(300, seed=11)
    fp = FieldPostings("body", BM25Params())
    for i, terms in enumerate(docs):
        fp.add(i, terms)
    n, avgdl = len(docs), sum(map(len, docs)) / len(docs)
    for term in ("của", "hà_nội", "covid"):
        df = sum(term in d for d in docs)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        assert fp.idf(term, lucene=True) == pytest.approx(idf)
        for b in (0.75, 1.0):
            want = np.zeros(n)
            for i, d in enumerate(docs):
                tf = d.count(term)
                want[i] = idf * tf * 2.5 / (tf + 1.5 * (1 - b + b * len(d) / avgdl))
            got = np.zeros(n)
            fp.accumulate(got, [term], lucene=True, b=b)
            np.testing.assert_allclose(got, want, rtol=1e-9)
            at = fp.contributions_at(term, np.arange(n), lucene=True, b=b)
            np.testing.assert_allclose(at, want, rtol=1e-9)
    # the exact mode's own scores are untouched by the other b
    okapi = BM25Okapi(docs)
    got = np.zeros(n)
    fp.accumulate(got, ["hà_nội"])
    np.testing.assert_allclose(got, okapi.get_scores(["hà_nội"]), rtol=1e-9)

"""The C loops (index/native/scoring.c): the numpy reference's bits, and no read past a buffer."""

import random
from array import array
from pathlib import Path

import numpy as np
import pytest

from index import scan as scan_module
from index import scoring
from index.fields import SYLLABLE_FIELDS, UNIT
from index.models import Article
from index.native import scoring as native
from index.packed import Packed, encode
from index.planner import QueryPlan
from index.search import SearchIndex

from .test_packed import random_postings
from .test_pruning import COMMON, WORDS, text


def packed_terms(seed=1, n_docs=30_000):
    """A Packed of random postings (every gap and tf size), its source arrays and offsets."""
    docs, tfs, offsets = random_postings(np.random.default_rng(seed), n_docs=n_docs)
    arrays = encode(docs, tfs, offsets, np.ones(docs.max() + 1, np.int32))
    return Packed(**{k: arrays[k] for k in Packed.__slots__}), docs, tfs, offsets


def reference(docs, tfs, norm, k1, idf, unit=0.0, minus=False, weight=None):
    """FieldPostings' numpy steps for some postings: what scatter() adds per docno."""
    w = tfs.astype(np.float64)
    den = norm[docs]
    den += w
    w *= k1 + 1
    w /= den
    w *= idf
    if unit:
        w += unit
    if minus:
        w -= unit
    if weight is not None:
        w *= weight
    return w


def test_scatter_and_decode_equal_the_numpy_steps_bit_for_bit():
    packed, docs, tfs, offsets = packed_terms()
    rng = np.random.default_rng(2)
    norm = rng.random(docs.max() + 1) * 3
    for tid in range(len(offsets) - 1):
        lo, hi = int(offsets[tid]), int(offsets[tid + 1])
        got_docs, got_tfs = packed.decode(tid, lo, hi)
        assert got_docs.tolist() == docs[lo:hi].tolist()
        assert got_tfs.tolist() == tfs[lo:hi].tolist()
        for flags, weight in ((0, None), (scoring.PLUS_UNIT | scoring.MINUS_UNIT, None),
                              (scoring.TIMES_WEIGHT, 0.6)):  # fmt: skip
            out = np.zeros(len(norm))
            packed.scatter(tid, lo, hi, norm, out, k1=1.2, idf=2.5, unit=UNIT,
                           weight=weight or 0.0, flags=flags)  # fmt: skip
            want = np.zeros(len(norm))
            unit = UNIT if flags & scoring.PLUS_UNIT else 0.0
            w = reference(docs[lo:hi], tfs[lo:hi], norm, 1.2, 2.5, unit, bool(unit), weight)
            np.add.at(want, docs[lo:hi], w)
            assert out.view(np.int64).tolist() == want.view(np.int64).tolist(), (tid, flags)


def test_a_damaged_or_short_buffer_raises_and_reads_nothing_past_it():
    packed, docs, _, offsets = packed_terms()
    tid = int(np.argmax(np.diff(offsets)))
    lo, hi = int(offsets[tid]), int(offsets[tid + 1])
    gx, tx = packed.exceptions(tid, lo, hi)
    norm, out = np.ones(docs.max() + 1), np.zeros(docs.max() + 1)
    args = (1.5, 1.0, 0.0, 1.0, 0)
    p = packed
    with pytest.raises(ValueError):  # postings past the arrays
        scoring.scatter(p, lo, len(p.gaps) + 1, gx, tx, norm, out, *args)
    with pytest.raises(ValueError):  # the exceptions start past their array
        scoring.scatter(p, lo, hi, len(p.gapx) + 1, tx, norm, out, *args)
    with pytest.raises(ValueError):  # docnos past the output
        scoring.scatter(p, lo, hi, gx, tx, norm, out[:10], *args)
    with pytest.raises(ValueError):  # docnos past the lengths
        scoring.scatter(p, lo, hi, gx, tx, norm[:10], out, *args)
    damaged = Packed(np.zeros_like(p.gaps), *[getattr(p, k) for k in Packed.__slots__[1:]])
    with pytest.raises(ValueError):  # every gap escaped: the exceptions run out
        scoring.decode(damaged, 0, len(p.gaps), 0, 0)
    with pytest.raises(ValueError):  # another dtype (the wrapper)
        scoring.scatter(p, lo, hi, gx, tx, norm.astype(np.float32), out, *args)
    with pytest.raises(ValueError):  # not contiguous
        scoring.scatter(p, lo, hi, gx, tx, norm, out[::2], *args)
    # the C side alone: byte lengths that are not whole items, outputs too short
    raw = (p.gaps, p.gapx, p.tf4, p.tfx, lo, hi, gx, tx)
    with pytest.raises(ValueError):
        native.scatter(*raw, norm.tobytes()[:-3], out, *args)
    with pytest.raises(ValueError):
        native.decode(*raw, np.zeros(hi - lo - 1, np.int64), np.zeros(hi - lo, np.uint16))
    with pytest.raises(ValueError):
        native.mark(*raw, np.zeros(5, np.uint8), True)
    with pytest.raises(ValueError):
        native.syllables(np.zeros(8), np.zeros(7), np.zeros(8, np.uint8), UNIT, 2, 1, 1.0,
                         np.zeros(8, np.int64), np.zeros(8))  # fmt: skip


def rank_term(p, tid, lo, hi, codes, lut, delta=None):
    """One term of scoring.rank: postings lo:hi of term tid, then the delta's."""
    delta = delta or (array("i"), array("H"))
    gx, tx = p.exceptions(tid, lo, hi)
    return (0, p.gaps, p.gapx, p.tf4, p.tfx, lo, hi, gx, tx, codes, lut,
            1.5, 1.0, 0.0, 1.0, 0, *delta)  # fmt: skip


def test_rank_refuses_a_length_code_past_its_table_and_a_delta_out_of_order():
    packed, docs, _, offsets = packed_terms()
    tid = int(np.argmax(np.diff(offsets)))
    lo, hi = int(offsets[tid]), int(offsets[tid + 1])
    n = int(docs.max()) + 100
    codes, lut = np.zeros(n, np.uint16), np.ones(3)
    buffers = (np.ones(n, bool), np.empty(n), np.zeros(n, bool), (UNIT, 1, 1, 1.0),
               np.empty(n, np.intp), np.empty(n), 64, np.empty(n // 64 + 1))  # fmt: skip
    scoring.rank((rank_term(packed, tid, lo, hi, codes, lut),), *buffers)
    codes[docs[lo + 7]] = 3
    with pytest.raises(ValueError):
        scoring.rank((rank_term(packed, tid, lo, hi, codes, lut),), *buffers)
    codes[:] = 0
    late = int(docs[hi - 1])
    for delta in ((array("i", [late]), array("H", [1])),  # not past the segment's
                  (array("i", [n - 5, n - 6]), array("H", [1, 1])),  # not ascending
                  (array("i", [n - 5]), array("H", [1, 1]))):  # fmt: skip
        with pytest.raises(ValueError):
            scoring.rank((rank_term(packed, tid, lo, hi, codes, lut, delta),), *buffers)


def segment_and_delta(path, rng, in_segment: int, in_delta: int) -> SearchIndex:
    """An index of random skewed articles: some in a segment, the rest in the delta beside it."""
    articles = [
        Article(f"a{i}", text(rng, rng.randint(3, 8)), text(rng, rng.randint(10, 60)))
        for i in range(in_segment + in_delta)
    ]
    idx = SearchIndex.open(path)
    idx.add(articles[:in_segment])
    idx.compact()
    idx.add(articles[in_segment:])
    return idx


def numpy_ranked(fields, alive, plan, defer):
    """Ranker.ranked() as numpy alone computed it (the reference of the C loops): each
    term's parts (reference()) added by np.add.at, the syllables counted by UNIT."""
    size = max(max(f.size for f in fields.values()), len(alive))
    scores, lucene, b = np.zeros(size), plan.lucene, plan.b

    def add(out, field, term, weight=None):
        postings = fields[field]
        docs, tfs = postings.postings(term)
        norm, idf = postings._norm_for(b), postings.idf(term, lucene)
        np.add.at(out, docs, reference(docs, tfs, norm, postings.params.k1, idf,
                                       postings.unit, False, weight))  # fmt: skip

    sylls = [p for p in plan.parts if p[0] in SYLLABLE_FIELDS]
    for field, terms, weight in (p for p in plan.parts if p[0] not in SYLLABLE_FIELDS):
        for t in terms:
            if (field, t) not in defer and fields[field].idf(t, lucene) != 0.0:
                add(scores, field, t, None if weight == 1.0 else weight)
    matched = scores != 0
    for field, term in sorted(p for p in defer if p[0] not in SYLLABLE_FIELDS):
        fields[field].mark_holders(term, matched)
    if sylls:
        packed, total = np.zeros(size), 0
        for field, terms, _ in sylls:
            total += len(dict.fromkeys(terms))
            for x in dict.fromkeys(terms):
                if (field, x) not in defer:
                    add(packed, field, x)
        need = total // 2 + 1
        counts = np.floor(packed * (1 / UNIT))
        matched |= counts >= need
        deferred = sorted(p for p in defer if p[0] in SYLLABLE_FIELDS)
        doubt = np.flatnonzero((counts >= need - len(deferred)) & ~matched)
        held = counts[doubt]
        for field, x in deferred:
            held += fields[field].holds(x, doubt)
        matched[doubt[held >= need]] = True
        counts *= UNIT
        packed -= counts
        packed *= sylls[0][2]
        scores += packed
    live = np.zeros(size, bool)
    live[: len(alive)] = alive[:size]
    return scores, live & matched


@pytest.mark.parametrize("chunk", [4096, 7])  # 7: the docnos one at a time, not 16
def test_the_scan_in_one_pass_equals_the_scan_term_by_term(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(scan_module, "CHUNK", chunk)
    rng = random.Random(8)
    idx = segment_and_delta(tmp_path, rng, 400, 100)
    scan = idx.ranker.scan
    queries = [" ".join(rng.choice(COMMON + WORDS) for _ in range(rng.randint(1, 5)))
               for _ in range(60)]  # fmt: skip
    plans = [idx.plan(q, exact=e) for q in queries for e in (False, True)]
    plans.append(QueryPlan((("body", ("của",), 1.0), ("syl", ("gia", "vang", "cua"), 0.6)),
                           ("của",), False, lucene=True, b=1.0))  # fmt: skip
    for sylls in (("cua", "gia", "vang", "bao"), ("cac", "cua", "gia", "thi", "truong", "la")):
        # syllables alone: "của", "các" deferred, the articles short of the rest in doubt
        plans.append(QueryPlan((("syl", sylls, 0.6),), (), False, lucene=True, b=1.0))
    passes = doubted = 0
    for plan in plans:
        for defer in (frozenset(idx.ranker.deferred(plan)), frozenset()):
            scan.by_term = False
            got = idx.ranked(plan, defer)
            if scan.last_pass and not scan.last_doubts:  # its sample is top()'s own
                want = got[0][::64][got[1][::64]]
                assert scan.sample(*got).tolist() == want.tolist()
            fast, fast_matched = (a.copy() for a in got)
            passes += scan.last_pass
            doubted += scan.last_doubts
            scan.by_term = True
            slow, slow_matched = idx.ranked(plan, defer)
            assert fast_matched.tolist() == slow_matched.tolist(), plan
            assert fast.view(np.int64).tolist() == slow.view(np.int64).tolist(), plan
            ref, ref_matched = numpy_ranked(idx.ranker.fields, idx.ranker.segments.state.alive,
                                            plan, defer)  # fmt: skip
            assert fast_matched.tolist() == ref_matched.tolist(), plan
            assert fast.view(np.int64).tolist() == ref.view(np.int64).tolist(), plan
    assert passes > len(plans)  # the one pass served most
    assert doubted > 100  # and settled articles a deferred syllable could admit


def test_a_delta_added_out_of_docno_order_is_left_to_the_scan_term_by_term():
    from index.bm25 import BM25Params, FieldPostings

    postings = FieldPostings("body", BM25Params())
    postings.add(5, ["giá", "vàng"])
    postings.add(9, ["giá"])
    assert postings.in_order
    postings.add(7, ["vàng"])  # (scoring.rank would refuse its docnos)
    assert not postings.in_order


def test_the_selections_take_what_numpy_takes_and_check_their_lengths():
    rng = np.random.default_rng(4)
    scores = np.round(rng.random(10_001), 1)
    matched = rng.random(len(scores)) < 0.7
    dates = rng.integers(0, 5, len(scores))
    out = np.empty(len(scores), np.intp)
    n = scoring.select(scores, matched, 0.5, out, strict=True, high=0.9)
    assert out[:n].tolist() == np.flatnonzero(matched & (scores > 0.5) & (scores < 0.9)).tolist()
    assert scoring.select(scores, matched, 0.5, out[:0]) == np.count_nonzero(
        matched & (scores >= 0.5)
    )
    tied = np.flatnonzero(matched & (scores == 0.3))
    want = tied[np.lexsort((-tied, -dates[tied]))][:25]
    newest = np.empty(25, np.intp)
    assert scoring.newest(scores, matched, 0.3, dates, newest) == len(tied)
    assert sorted(newest.tolist()) == sorted(want.tolist())
    with pytest.raises(ValueError):
        scoring.select(scores, matched[:-1], 0.5, out)
    with pytest.raises(ValueError):
        scoring.newest(scores, matched, 0.3, dates[:-1], newest)


def test_terms_added_in_one_pass_equal_them_added_term_by_term(tmp_path):
    idx = segment_and_delta(tmp_path, random.Random(6), 250, 50)
    fields, added = idx.ranker.fields, 0
    for query in ("của các giá vàng", "cua cac bao lu", "là có được thị trường"):
        plan = idx.plan(query)
        terms = {(f, t): w for f, ts, w in plan.parts for t in ts}
        start = np.random.default_rng(1).random(max(f.size for f in fields.values()))
        fast, slow = start.copy(), start.copy()
        idx.ranker.scan.add(fields, fast, terms, plan)
        for (f, t), w in terms.items():
            fields[f].scatter(slow, t, plan.lucene, plan.b, weight=w, drop_unit=True)
        assert fast.view(np.int64).tolist() == slow.view(np.int64).tolist(), query
        added += int(np.count_nonzero(fast != start))
    assert added > 500


def test_a_build_older_than_its_source_is_refused(tmp_path, monkeypatch):
    import os

    import index.native as package

    source = tmp_path / "scoring.c"
    source.write_text("/* changed after the build */\n")
    built = Path(native.__file__).stat().st_mtime
    os.utime(source, (built + 10, built + 10))
    monkeypatch.setattr(package, "__file__", str(tmp_path / "__init__.py"))
    with pytest.raises(ImportError, match="run `pip install -e .` again"):
        package.load("scoring")
    os.utime(source, (built - 10, built - 10))
    assert package.load("scoring") is native

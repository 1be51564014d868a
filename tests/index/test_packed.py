"""Compressed postings decode to what was written, whole or a few docnos at a time."""

import json
import random

import numpy as np
import pytest

from index import packed as packed_module
from index import segment_format
from index.integrity import seal
from index.models import Article
from index.packed import BLOCK, PACKED_ARRAYS, Packed, encode
from index.search import SearchIndex
from index.segment_format import SegmentWriter


def random_postings(rng, n_terms=60, n_docs=200_000):
    """Postings with gaps and tfs of every size, some terms empty, some many blocks long."""
    docs, tfs, df = [], [], []
    for t in range(n_terms):
        size = [0, 1, 5, BLOCK, BLOCK + 1, 3 * BLOCK - 1, 1000, 20_000][t % 8]
        d = np.sort(rng.choice(n_docs, size=size, replace=False)).astype(np.int32)
        if size and t % 3 == 0:
            d[-1] = n_docs + 70_000 + t  # a gap past 65,535
        tf = rng.integers(1, 4, size).astype(np.uint16)
        tf[rng.random(size) < 0.05] = rng.integers(16, 300)  # past half a byte
        tf[rng.random(size) < 0.02] = rng.integers(256, 65_536)  # past a byte
        docs.append(d)
        tfs.append(tf)
        df.append(size)
    offsets = np.zeros(n_terms + 1, np.int64)
    np.cumsum(df, out=offsets[1:])
    return np.concatenate(docs), np.concatenate(tfs), offsets


def test_packed_postings_decode_whole_and_by_blocks():
    rng = np.random.default_rng(5)
    docs, tfs, offsets = random_postings(rng)
    dl = rng.integers(1, 500, int(docs.max()) + 1).astype(np.int32)
    arrays = encode(docs, tfs, offsets, dl)
    assert arrays["gaps"].dtype == np.uint8 and len(arrays["gaps"]) == len(docs)
    assert 0 < len(arrays["gapx"]) < len(docs) // 4  # most gaps fit a byte
    packed = Packed(**{k: v for k, v in arrays.items() if k in PACKED_ARRAYS})
    for t in range(len(offsets) - 1):
        lo, hi = int(offsets[t]), int(offsets[t + 1])
        got_docs, got_tfs = packed.decode(t, lo, hi)
        assert got_docs.tolist() == docs[lo:hi].tolist()
        assert got_tfs.tolist() == tfs[lo:hi].tolist()
        assert arrays["cf"][t] == tfs[lo:hi].sum()
        if hi > lo:
            assert arrays["maxtf"][t] == tfs[lo:hi].max()
            assert arrays["mindl"][t] == dl[docs[lo:hi]].min()
            # present docnos, absent ones, ones before the first and past the last
            ask = np.unique(
                np.concatenate(
                    [rng.choice(docs[lo:hi], 7), rng.integers(0, docs.max() + 5, 40), [0]]
                )
            )
            want = np.zeros(len(ask), np.uint16)
            inside = np.isin(ask, docs[lo:hi])
            want[inside] = tfs[lo:hi][np.searchsorted(docs[lo:hi], ask[inside])]
            assert packed.tfs_at(t, lo, hi, ask).tolist() == want.tolist()
            # the stored bounds of each block are those of its postings
            b0, b1 = int(arrays["boff"][t]), int(arrays["boff"][t + 1])
            first, maxtf, mindl = packed.block_maxima(t, lo, hi, dl)
            assert arrays["bmaxtf"][b0:b1].tolist() == maxtf.tolist()
            assert arrays["bmindl"][b0:b1].tolist() == mindl.tolist()
            assert maxtf[-1] == tfs[lo + BLOCK * (b1 - b0 - 1) : hi].max()


def test_block_bounds_are_the_same_when_encoding_in_many_steps(monkeypatch):
    rng = np.random.default_rng(8)
    docs, tfs, offsets = random_postings(rng)
    dl = rng.integers(1, 500, int(docs.max()) + 1).astype(np.int32)
    whole = encode(docs, tfs, offsets, dl)
    monkeypatch.setattr(packed_module, "_CHUNK", 3000)  # terms cut into many steps
    steps = encode(docs, tfs, offsets, dl)
    for name in ("bfirst", "bmaxtf", "bmindl"):
        assert steps[name].tolist() == whole[name].tolist(), name
    assert len(whole["bmaxtf"]) == len(whole["bfirst"]) == whole["boff"][-1]


def test_a_segment_written_before_block_bounds_were_stored_ranks_the_same(tmp_path, articles):
    rng = random.Random(2)
    words = ["của", "và", "giá", "vàng", "bão", "lũ", "xăng", "dầu", "học", "sinh"]
    idx = SearchIndex.open(tmp_path)
    idx.add(articles)
    idx.add(
        [
            Article(f"r{i}", " ".join(rng.choices(words, k=4)), " ".join(rng.choices(words, k=300)))
            for i in range(400)
        ]
    )
    idx.compact()
    assert idx.fields["body"].base.bmaxtf is not None
    queries = [" ".join(rng.sample(words, 3)) for _ in range(20)] + ["giá vàng"]
    before = [(idx.best(idx.plan(q), 10), idx.ranker.last_doubt) for q in queries]
    seg = tmp_path / "index" / idx.segment_name
    database = idx.store.database_id()
    idx.close()
    for path in seg.glob("*.bm*.npy"):
        path.unlink()
    seal(seg, database, json.loads((seg / "segment.json").read_text())["upto"])
    again = SearchIndex.open(tmp_path)
    assert again.damage is None and again.fields["body"].base.bmaxtf is None
    for q, ((docnos, scores, total), _) in zip(queries, before, strict=True):
        got = again.best(again.plan(q), 10)
        assert got[0].tolist() == docnos.tolist() and got[2] == total
        np.testing.assert_allclose(got[1], scores, rtol=1e-12)
    again.close()


def test_blocks_bounds_of_another_length_are_damage(tmp_path, articles):
    idx = SearchIndex.open(tmp_path)
    idx.add(articles)
    idx.compact()
    seg = tmp_path / "index" / idx.segment_name
    idx.close()
    np.save(seg / "title.bmaxtf.npy", np.zeros(3, np.uint16))
    with pytest.raises(ValueError, match="blocks' bounds"):
        segment_format.read_segment(seg)


def test_a_segment_of_the_older_layout_is_rewritten_without_pyvi(tmp_path, articles, monkeypatch):
    idx = SearchIndex.open(tmp_path)
    idx.add(articles)
    idx.compact()
    before = [h.article.id for h in idx.search("giá vàng").hits]
    seg = tmp_path / "index" / idx.segment_name
    idx.close()
    # a format-1 segment: plain docnos and tfs, no packed files
    info = json.loads((seg / "segment.json").read_text())
    info["format"] = 1
    (seg / "segment.json").write_text(json.dumps(info))
    for p in seg.glob("*.gaps.npy"):
        p.unlink()
    monkeypatch.setattr("index.analysis.pyvi_segment", lambda text: 1 / 0)
    monkeypatch.setattr("index.word_segmenter.Segmenter.many", lambda self, texts: 1 / 0)
    again = SearchIndex.open(tmp_path)
    assert again.damage is None  # an older layout is not damage
    assert again.segment_name != seg.name and not seg.exists()
    assert again.stats().segment_docs == len(articles)
    monkeypatch.undo()
    assert [h.article.id for h in again.search("giá vàng").hits] == before


def test_a_writer_with_run_files_writes_the_same_segment(tmp_path, monkeypatch):
    rng = np.random.default_rng(2)
    vocab = [f"t{i}" for i in range(300)]
    docs = [list(rng.choice(vocab, rng.integers(1, 40), p=zipf(len(vocab)))) for _ in range(500)]
    docs[7] += ["t5"] * 300  # a tf past a byte
    monkeypatch.setattr(segment_format, "RUN_POSTINGS", 1000)
    for spill in (None, tmp_path / "runs"):
        writer = SegmentWriter(["body", "other"], spill=spill)
        for i, d in enumerate(docs):
            writer.add(2 * i + 1, {"body": d, "other": d[::2]})
        writer.write(tmp_path / str(spill is None), 2 * len(docs) + 1, {})
    assert len(list((tmp_path / "runs").iterdir())) == 0  # its runs were read back, then removed
    plain, spilled = tmp_path / "True", tmp_path / "False"
    assert sorted(p.name for p in plain.iterdir()) == sorted(p.name for p in spilled.iterdir())
    for p in plain.iterdir():
        assert p.read_bytes() == (spilled / p.name).read_bytes(), p.name


def zipf(n):
    w = 1 / np.arange(1, n + 1)
    return w / w.sum()


def test_compaction_through_run_files_ranks_as_before(tmp_path, articles, monkeypatch):
    idx = SearchIndex.open(tmp_path)
    idx.add(articles)
    before = [(h.article.id, h.score) for h in idx.search("giá vàng Hà Nội").hits]
    monkeypatch.setattr(segment_format, "RUN_POSTINGS", 7)
    idx.compact()
    assert [(h.article.id, h.score) for h in idx.search("giá vàng Hà Nội").hits] == before
    assert [p.name for p in (tmp_path / "index").iterdir() if p.is_dir()] == [idx.segment_name]

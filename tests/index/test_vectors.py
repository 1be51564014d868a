"""Passage vectors on disk and the fusion: int8 chunks, atomic appends, compaction, accents."""

import dataclasses

import numpy as np

from index.accents import restore_accents
from index.embedding import DIM, lead_text, passage_texts
from index.semantic import fuse
from index.vectors import LEAD, WINDOWS, VectorFiles, quantise


def unit(rng, n):
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_int8_codes_keep_the_cosine():
    rng = np.random.default_rng(1)
    v = unit(rng, 50)
    codes, scales = quantise(v)
    assert codes.dtype == np.int8
    back = codes.astype(np.float32) * scales[:, None]
    assert np.abs((back * v).sum(1) - 1).max() < 0.01


def test_chunks_load_newest_first_and_compact(tmp_path):
    rng = np.random.default_rng(2)
    files = VectorFiles(tmp_path / "vectors")
    v = unit(rng, 5)
    files.append([(3, 0), (3, 1), (1, 0)], v[:3], [(3, LEAD), (3, WINDOWS), (1, LEAD)])
    files.append([(1, 0), (7, 0)], v[3:], [(1, LEAD), (7, LEAD)])
    loaded = files.load()
    # leads first (by docno), then windows
    assert loaded.docnos.tolist() == [1, 3, 7, 3] and loaded.parts.tolist() == [0, 0, 0, 1]
    # the newer chunk's vector for docno 1 wins
    assert abs(loaded.best(np.array([1]), v[3])[0] - 1) < 0.01
    best = loaded.best(np.array([3, 9]), v[1])
    assert abs(best[0] - 1) < 0.01 and np.isnan(best[1])
    assert files.tiers() == {3: WINDOWS, 1: LEAD, 7: LEAD}
    alive = np.array([False, True, False, True, False, False, False, False])
    assert files.compact(alive) == 3  # docno 7 is gone
    assert len(files.chunks()) == 1 and files.problem() is None
    again = files.load()
    assert again.docnos.tolist() == [1, 3, 3] and files.tiers() == {1: LEAD, 3: WINDOWS}
    assert again.n_leads == 2 and again.best(np.array([3]), v[1])[0] > 0.99
    assert isinstance(again.codes, np.memmap)


def test_a_chunk_without_its_done_file_does_not_exist(tmp_path):
    rng = np.random.default_rng(3)
    files = VectorFiles(tmp_path)
    files.append([(1, 0)], unit(rng, 1), [(1, LEAD)])
    seq = files.append([(2, 0)], unit(rng, 1), [(2, LEAD)])
    (tmp_path / f"{seq:08d}.done.npy").unlink()  # as if killed before the last rename
    (tmp_path / ".tmp-1-9.codes.npy").write_bytes(b"partial")
    assert files.load().docnos.tolist() == [1]
    assert files.remove_leftovers() == 4
    assert files.load().docnos.tolist() == [1] and files.problem() is None


def test_check_names_a_damaged_chunk(tmp_path):
    files = VectorFiles(tmp_path)
    seq = files.append([(1, 0)], unit(np.random.default_rng(4), 1), [(1, LEAD)])
    np.save(tmp_path / f"{seq:08d}.scales.npy", np.zeros(3, np.float32))
    assert "1 codes, 3 scales" in files.problem()


def test_fusion_moves_a_close_second_and_keeps_the_scale():
    lexical = np.array([10.0, 9.5, 4.0])
    dense = np.array([0.80, 0.90, 0.70], np.float32)
    fused = fuse(lexical, dense, 0.5)
    assert fused.argmax() == 1 and fused.max() <= 10.0 and fused.min() >= 4.0
    # without vectors nothing moves
    assert np.array_equal(fuse(lexical, np.full(3, np.nan, np.float32), 0.5), lexical)
    # a candidate without a vector keeps its lexical share
    part = fuse(lexical, np.array([0.9, np.nan, 0.7], np.float32), 0.5)
    assert abs(part[1] - 9.5) < 1e-9


def test_accents_come_from_the_matched_texts():
    texts = ["Bão số 5 đổ bộ, 12 người chết", "Cơn bão làm người dân sơ tán; bão mạnh"]
    assert restore_accents("bao nhieu nguoi chet vi bao?", texts) == "bão nhieu người chết vi bão?"
    assert restore_accents("Bão lớn", texts) == "Bão lớn"


def test_an_article_gives_its_lead_then_windows():
    body = "Câu một nói về giá điện. " * 8 + "\nĐoạn hai: giá xăng tăng mạnh. " * 20
    parts = passage_texts("Giá điện tăng", body)
    lead, end = lead_text("Giá điện tăng", body)
    assert parts[0] == lead and lead.startswith("Giá điện tăng. Câu một")
    assert 0 < end <= 400 and all(len(p) <= 2 * 320 for p in parts[1:])
    assert "giá xăng" in " ".join(parts[1:]) and len(parts) == 3


def test_check_data_reports_vectors_of_another_folder(tmp_path):
    from index.check import check_data
    from index.models import Article
    from index.search import SearchIndex

    index = SearchIndex.open(tmp_path)
    index.add([Article("a", "Giá vàng", "Giá vàng tăng.")])
    index.close()
    assert check_data(tmp_path).vectors is None
    files = VectorFiles(tmp_path / "vectors")
    files.append([(1, 0)], unit(np.random.default_rng(5), 1), [(1, LEAD)])
    assert check_data(tmp_path).vectors is None
    files.append([(40, 0)], unit(np.random.default_rng(6), 1), [(40, LEAD)])
    assert "the database does not" in check_data(tmp_path).vectors
    assert files.drop() == 2 and check_data(tmp_path).vectors is None


def test_tidy_merges_the_small_chunks_and_leaves_the_big_one(tmp_path):
    rng = np.random.default_rng(7)
    files = VectorFiles(tmp_path)
    files.append([(d, 0) for d in range(1, 41)], unit(rng, 40), [(d, LEAD) for d in range(1, 41)])
    for d in range(41, 47):
        files.append([(d, 0)], unit(rng, 1), [(d, LEAD)])
    files.tidy(None, most=4)
    assert len(files.chunks()) == 2  # the big chunk, and the six small ones as one
    assert files.load().docnos.tolist() == list(range(1, 47))


def test_compaction_takes_the_retired_articles_vectors_with_their_postings(tmp_path):
    from index.check import check_data
    from index.models import Article
    from index.search import SearchIndex
    from index.semantic import Coverage

    index = SearchIndex.open(tmp_path)
    index.add([Article(f"a{i}", f"Giá vàng {i}", f"Giá vàng tăng {i} lần.") for i in range(4)])
    docnos = {i: index.store.digests([i])[i][0] for i in ("a0", "a1", "a2", "a3")}
    files, rng = index.semantic.files, np.random.default_rng(8)
    files.append(
        [(d, 0) for d in docnos.values()], unit(rng, 4), [(d, LEAD) for d in docnos.values()]
    )
    two = [docnos["a1"], docnos["a2"]]
    files.append([(d, 1) for d in two], unit(rng, 2), [(d, WINDOWS) for d in two])
    assert index.coverage() == Coverage(articles=4, leads=4, windows=2)
    index.remove(["a1"])
    assert index.coverage() == Coverage(articles=3, leads=3, windows=1)
    assert docnos["a1"] in files.tiers()  # until the segment's compaction
    index.compact()
    assert len(files.chunks()) == 1 and docnos["a1"] not in files.tiers()
    assert index.semantic.vectors.docnos.tolist() == [docnos[i] for i in ("a0", "a2", "a3", "a2")]
    stats = index.stats()
    assert (stats.articles, stats.vectors, stats.windows) == (3, 3, 1)
    index.compact()  # nothing retired since: the vectors are not rewritten
    assert len(files.chunks()) == 1
    index.close()
    found = check_data(tmp_path)
    assert found.vectors is None and found.problem is None and not found.leftovers


def test_a_compaction_skips_the_vectors_while_an_embedder_writes(tmp_path):
    from index.models import Article
    from index.search import SearchIndex

    index = SearchIndex.open(tmp_path)
    index.add([Article(f"a{i}", "Giá vàng", f"Giá vàng tăng {i}.") for i in range(2)])
    files = index.semantic.files
    files.append([(1, 0), (2, 0)], unit(np.random.default_rng(9), 2), [(1, LEAD), (2, LEAD)])
    index.remove(["a0"])
    with files.lock():  # `newsbot embed` in the middle of a batch
        index.compact()  # the postings are compacted; the vectors wait for the next one
        assert sorted(files.tiers()) == [1, 2]
    index.add([Article("a2", "Giá vàng", "Giá vàng giảm.")])
    index.compact()
    assert sorted(files.tiers()) == [2]
    index.close()


def test_a_compaction_of_an_emptied_archive_drops_every_vector(tmp_path):
    from index.semantic import SemanticStage

    stage = SemanticStage(None, tmp_path / "vectors")
    assert stage.compact(np.zeros(0, bool)) is False  # nothing stored: nothing to do
    stage.files.append([(1, 0)], unit(np.random.default_rng(10), 1), [(1, LEAD)])
    assert stage.compact(np.zeros(0, bool)) is True
    assert stage.files.tiers() == {} and len(stage.vectors) == 0


def test_a_single_chunk_out_of_order_loads_in_order(tmp_path):
    files = VectorFiles(tmp_path / "vectors")
    rows = [(5, 1), (3, 0), (5, 0), (3, 2), (3, 1), (3, 0)]  # windows first, a lead twice
    v = unit(np.random.default_rng(9), len(rows))
    files.append(rows, v, [(3, WINDOWS), (5, WINDOWS)])
    got = files.load()
    assert got.n_leads == 2 and list(got.docnos) == [3, 5, 3, 3, 5]
    assert list(got.parts) == [0, 0, 1, 2, 1]
    assert np.allclose(got.dot(np.arange(1), v[5]), 1, atol=0.01)  # the later (3, 0) wins


def test_the_fusion_weight_rises_when_one_passage_stands_out():
    from index.ranking import Ranking
    from index.semantic import weight

    r = Ranking()
    tied = np.array([0.81, 0.80, np.nan, 0.79], np.float32)
    clear = np.array([0.70, 0.90, 0.80, np.nan], np.float32)
    assert r.semantic < weight(tied, r) < weight(clear, r) == r.semantic_sure
    assert weight(np.array([0.9, np.nan], np.float32), r) == r.semantic  # one vector: no lead


def test_passages_are_read_from_the_loaded_file_even_once_compacted_away(tmp_path):
    files = VectorFiles(tmp_path / "vectors")
    rng = np.random.default_rng(11)
    rows = [(1, 0), (2, 0), (3, 0), (1, 1), (1, 2), (3, 1)]
    v = unit(rng, len(rows))
    files.append(rows, v, [(1, WINDOWS), (2, WINDOWS), (3, WINDOWS)])
    loaded = files.load()
    assert loaded.reader is not None  # one memory-mapped chunk: passages read with pread
    query = v[4]  # docno 1's second window
    expected = loaded.best(np.array([3, 1, 7]), query)
    in_memory = dataclasses.replace(loaded, reader=None)
    assert np.allclose(in_memory.best(np.array([3, 1, 7]), query), expected, equal_nan=True)
    assert expected[1] > 0.99 and np.isnan(expected[2])
    files.compact(np.array([False, True, True, False]))  # docno 3 retired: a new file
    assert np.allclose(loaded.best(np.array([3, 1, 7]), query), expected, equal_nan=True)


def test_a_lead_alone_never_raises_the_fusion_weight(tmp_path):
    from index.ranking import Ranking
    from index.semantic import SemanticStage

    files = VectorFiles(tmp_path / "vectors")
    rng = np.random.default_rng(12)
    v = unit(rng, 4)
    query = v[0]
    files.append([(1, 0), (2, 0), (3, 0)], v[:3], [(1, LEAD), (2, LEAD), (3, LEAD)])
    stage, r = SemanticStage(None, files.dir), Ranking()
    docnos, scores = np.array([1, 2, 3]), np.array([3.0, 2.0, 1.0])
    dense, windowed = stage.vectors.passages(docnos, query)
    assert not windowed.any() and dense[0] > 0.99  # docno 1 stands far out: by its lead only
    assert np.allclose(stage.rescore(query, docnos, scores, r), fuse(scores, dense, r.semantic))
    files.append([(1, 1), (2, 1)], np.stack([v[0], v[3]]), [(1, WINDOWS), (2, WINDOWS)])
    stage.refresh()
    dense, windowed = stage.vectors.passages(docnos, query)
    assert list(windowed) == [True, True, False]
    assert np.allclose(
        stage.rescore(query, docnos, scores, r), fuse(scores, dense, r.semantic_sure)
    )


def test_passages_read_before_the_vector_score_as_those_read_after(tmp_path):
    from index.ranking import Ranking
    from index.semantic import Meaning, SemanticStage

    files = VectorFiles(tmp_path / "vectors")
    rng = np.random.default_rng(13)
    v = unit(rng, 7)
    rows = [(1, 0), (2, 0), (3, 0), (1, 1), (1, 2), (3, 1)]
    files.append(rows, v[:6], [(1, WINDOWS), (2, LEAD), (3, WINDOWS)])
    stage, r = SemanticStage(None, files.dir), Ranking()
    docnos, scores = np.array([3, 9, 1, 2]), np.array([4.0, 3.0, 2.0, 1.0])
    query = v[6]
    read = stage.vectors.read(docnos[:2])  # the lexical candidates, while the question embeds
    assert read.best(query)[0][1] != read.best(query)[0][1]  # docno 9 has no vector: NaN
    expected = stage.rescore(query, docnos, scores, r)  # every docno read with the vector
    assert np.allclose(stage.rescore(Meaning(query, read), docnos, scores, r), expected)
    assert np.allclose(stage.rescore(Meaning(query), docnos, scores, r), expected)


def test_new_chunks_beside_a_compacted_one_load_in_order_without_a_copy(tmp_path):
    from index.vector_rows import Rows, merged_order

    files = VectorFiles(tmp_path / "vectors")
    rng = np.random.default_rng(14)
    old = [(d, p) for d in (2, 4, 6, 8) for p in range(3)]
    v = unit(rng, len(old) + 6)
    files.append(old, v[: len(old)], [(d, WINDOWS) for d in (2, 4, 6, 8)])
    files.compact(np.ones(10, bool))  # the archive's one compacted chunk, in order
    new = [(5, 0), (5, 1), (4, 2), (8, 0)]  # a new article; a window and a lead embedded again
    files.append(new, v[len(old) : len(old) + 4], [(5, WINDOWS), (4, WINDOWS), (8, LEAD)])
    files.append([(9, 0), (5, 1)], v[-2:], [(9, LEAD), (5, WINDOWS)])  # and again, newer
    latest = dict(zip(old + new + [(9, 0), (5, 1)], v, strict=True))  # newest wins
    want = sorted(latest, key=lambda k: (k[1] != 0, k[0], k[1]))
    got = files.load()
    assert isinstance(got.codes, Rows) and len(got.codes.parts) == 3
    assert list(zip(got.docnos.tolist(), got.parts.tolist(), strict=True)) == want
    codes = np.stack([quantise(latest[k])[0][0] for k in want])
    assert np.array_equal(got.codes[np.arange(len(want))], codes)
    assert np.array_equal(got.codes[2:5], codes[2:5])
    assert np.array_equal(
        got.codes.runs(np.array([3, 0]), np.array([4, 2])), codes[[3, 4, 5, 6, 0, 1]]
    )
    # the same order as the general sort, which the compacted chunk spares
    rows = np.concatenate([np.load(files.dir / f"{s:08d}.rows.npy") for s in files.chunks()])
    assert np.array_equal(merged_order(rows, 12, True), merged_order(rows, 12, False))
    best = got.best(np.array([5, 4, 9]), latest[(5, 1)])
    assert best[0] > 0.99 and best[1] < 0.5
    files.compact()  # written a block at a time, the same vectors
    again = files.load()
    assert isinstance(again.codes, np.memmap) and np.array_equal(again.codes[:], codes)
    assert np.array_equal(again.docnos, got.docnos)


def test_a_new_chunk_is_placed_into_the_loaded_vectors_as_a_reload_would(tmp_path):
    from index.lead_bits import LeadBits
    from index.semantic import SemanticStage

    files = VectorFiles(tmp_path / "vectors")
    rng = np.random.default_rng(15)
    old = [(d, p) for d in range(1, 41) for p in range(2)]
    files.append(old, unit(rng, len(old)), [(d, WINDOWS) for d in range(1, 41)])
    files.compact(np.ones(50, bool))
    stage = SemanticStage(None, files.dir)
    before, bits = stage.vectors, LeadBits(stage.vectors)
    for rows in ([(41, 0), (41, 1), (7, 0)], [(3, 1), (42, 0), (41, 1)]):  # new, and again
        files.append(rows, unit(rng, len(rows)), [(d, LEAD) for d, _ in rows])
        seq = files.chunks()[-1]
        grown, full = files.extend(before, [seq]), files.load()
        for name in ("docnos", "parts", "scales", "done"):
            assert np.array_equal(getattr(grown, name), getattr(full, name)), name
        assert grown.n_leads == full.n_leads
        assert np.array_equal(grown.codes[np.arange(len(full))], full.codes[np.arange(len(full))])
        moved = bits.extended(before, grown)  # the new leads' bits about the same mean
        leads = (
            full.codes[np.arange(full.n_leads)].astype(np.float32)
            * full.scales[: full.n_leads, None]
        )
        want = np.packbits(leads > bits.centre, axis=1).view(np.uint64).T
        assert moved is not None and np.array_equal(moved.bits, want)
        before, bits = grown, moved
    assert stage.refresh() and stage.vectors.docnos.tolist() == files.load().docnos.tolist()


def test_a_few_newer_rows_are_placed_as_many_are():
    from index.vector_rows import _placement, newest, placement

    rng = np.random.default_rng(16)
    docs = np.sort(rng.choice(500, 200, replace=False))
    windows = [(int(d), p) for d in docs for p in range(1, 1 + int(rng.integers(0, 4)))]
    old = np.array([(int(d), 0) for d in docs] + windows, np.int64)
    new = np.array(
        [
            (int(d), int(p))
            for d, p in zip(rng.integers(0, 520, 60), rng.integers(0, 5, 60), strict=True)
        ]
    )
    new = new[newest(new)]
    n_leads = len(docs)
    label = np.arange(len(old))
    placed = []
    for place in (placement, _placement):
        kept, at = place(old[:, 0], old[:, 1], n_leads, new)
        placed.append(
            np.insert(label if kept is None else label[kept], at, -1 - np.arange(len(new)))
        )
    assert np.array_equal(placed[0], placed[1])
    rows = np.concatenate([old, new])[np.where(placed[0] < 0, len(old) - 1 - placed[0], placed[0])]
    keys = rows[:, 0] * 1000 + rows[:, 1]
    lead = rows[:, 1] == 0
    assert (
        lead[: lead.sum()].all()
        and (np.diff(keys[lead]) > 0).all()
        and (np.diff(keys[~lead]) > 0).all()
    )

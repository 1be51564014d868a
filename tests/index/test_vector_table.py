"""Passage vectors in the article database (a shared store's replicas keep no vector file)."""

import numpy as np
import pytest

from index.embedding import DIM
from index.sql_store import Store
from index.vector_table import VectorTable
from index.vectors import LEAD, WINDOWS, VectorFiles
from storage import open_database


def unit(rng, n):
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def table(database_target):
    store = Store(open_database(database_target))  # the articles table compact() reads
    yield VectorTable(store.database)
    store.close()


def test_the_table_ranks_as_the_files_do(table, tmp_path):
    rng = np.random.default_rng(5)
    files = VectorFiles(tmp_path / "vectors")
    v = unit(rng, 7)
    batches = [
        ([(3, 0), (3, 1), (3, 2), (1, 0)], v[:4], [(3, LEAD), (3, WINDOWS), (1, LEAD)]),
        ([(1, 0), (7, 0)], v[4:6], [(1, LEAD), (7, LEAD)]),  # docno 1's lead again: newest wins
    ]
    before = table.signature()
    for rows, vecs, done in batches:
        files.append(rows, vecs, done)
        table.append(rows, vecs, done)
    assert table.signature() != before
    on_disk, in_db = files.load(), table.load()
    # the replica holds the leads only; a question's candidates' windows are fetched
    assert in_db.docnos.tolist() == [1, 3, 7] and in_db.n_leads == 3
    for q in (v[2], v[4], unit(rng, 1)[0]):
        np.testing.assert_array_equal(in_db.all_leads(q), on_disk.all_leads(q))
        docnos = np.array([7, 3, 9, 1])
        np.testing.assert_array_equal(in_db.best(docnos, q), on_disk.best(docnos, q))
    assert table.tiers() == files.tiers() == {3: WINDOWS, 1: LEAD, 7: LEAD}
    alive = np.zeros(10, bool)
    alive[[1, 3, 7]] = True
    assert in_db.covered(alive) == on_disk.covered(alive) == (3, 1)
    assert table.problem(max_docno=7) is None
    assert "does not" in table.problem(max_docno=5)


def test_a_replica_loads_only_the_new_batches(table, database_target):
    rng = np.random.default_rng(6)
    v = unit(rng, 3)
    table.append([(2, 0)], v[:1], [(2, LEAD)])
    replica = VectorTable(table.database)
    assert replica.load().docnos.tolist() == [2]
    table.append([(5, 0), (4, 0)], v[1:], [(5, LEAD), (4, LEAD)])
    loaded = replica.load()
    assert loaded.docnos.tolist() == [2, 4, 5]
    assert loaded.best(np.array([4]), v[2])[0] > 0.99


def test_compaction_keeps_only_live_articles_and_repair_drops_all(table):
    from index.models import Article

    store = Store(table.database)
    store.write([(Article(f"a{i}", "t", "b"), ["t"], ["b"]) for i in range(3)])
    docnos = sorted(d for d, _ in store.digests(["a0", "a1", "a2"]).values())
    rng = np.random.default_rng(7)
    table.append([(d, 0) for d in docnos], unit(rng, 3), [(d, LEAD) for d in docnos])
    store.remove(["a1"])
    assert table.compact() == 2
    assert sorted(table.tiers()) == [docnos[0], docnos[2]]
    assert table.load().docnos.tolist() == [docnos[0], docnos[2]]  # the deletion is seen
    assert table.drop() == 2 and table.tiers() == {} and len(table.load()) == 0


def test_one_embedder_at_a_time(table):
    with table.lock() as held:
        assert held
        if table.database.dialect == "postgres":  # SQLite has one process (run.lock)
            other = VectorTable(open_database(table.database.url))
            with other.lock(wait=False) as second:
                assert not second
            other.database.close()

"""`newsbot purge` on PostgreSQL and OpenSearch: retired rows forgotten once the index took
them out, while a replica serves; no live article lost."""

import io

from opensearch_node import fresh_index_name

from app.cli_index import cmd_purge
from index.models import Article
from index.search import SearchIndex
from index.sql_store import Store
from search_backends.opensearch import OpenSearchStage
from storage import open_database

ARTICLES = [
    Article(f"a{i}", f"Tin số {i} về giá vàng", f"Bài số {i}: giá vàng SJC hôm nay.")
    for i in range(10)
]


def open_on(folder, database_url, opensearch_url, name):
    store = Store(open_database(database_url))
    return SearchIndex.open(folder, store=store, first_stage=OpenSearchStage(opensearch_url, name))


def rows(store) -> dict[str, list[str]]:
    """The store's rows, live and retired, by id."""
    out: dict[str, list[str]] = {"live": [], "retired": []}
    for article_id, retired in store.database.rows(
        "SELECT id, deleted_seq IS NOT NULL FROM articles ORDER BY docno"
    ):
        out["retired" if retired else "live"].append(article_id)
    return out


def ids(result):
    return [h.article.id for h in result.hits]


def test_purge_forgets_only_what_the_index_took_out(tmp_path, postgres_url, opensearch_url):
    name = fresh_index_name()
    writer = open_on(tmp_path / "writer", postgres_url, opensearch_url, name)
    try:
        writer.add(ARTICLES)
        replica = open_on(tmp_path / "replica", postgres_url, opensearch_url, name)
        writer.add([Article("a1", "Tin số 1 về giá bạc", "Bài số 1, sửa lại: giá bạc hôm nay.")])
        writer.add([Article("z", "Tin cuối về giá vàng", "Bài cuối: giá vàng.")])
        writer.remove(["a2", "z"])  # z is the newest row: it stays, the last docno given
        newest = writer.store.max_docno()
        # another process retires a3 and has not told the index yet: its row stays
        other = Store(open_database(postgres_url))
        other.remove(["a3"])
        out = io.StringIO()
        assert cmd_purge(replica, out=out) == 0
        assert out.getvalue() == "purged 2 retired article rows (OpenSearch took them out)\n"
        stored = rows(other)
        assert sorted(stored["retired"]) == ["a3", "z"]  # not a1's first version, nor a2
        assert sorted(stored["live"]) == sorted(f"a{i}" for i in range(10) if i not in (2, 3))
        assert writer.store.max_docno() == newest  # so no docno is given twice
        # the replica answers as before: the edit, never the removed or the forgotten rows
        assert ids(replica.search("giá bạc"))[0] == "a1"
        found = ids(replica.search("giá vàng", k=20))
        assert "a2" not in found and "z" not in found and found.count("a1") <= 1

        replica.refresh()  # the index takes a3 out: now its row can go
        assert replica.first_stage.purge(replica.store) == 1
        assert rows(other)["retired"] == ["z"]
        assert "a3" not in ids(replica.search("giá vàng", k=20))
        # a new article after the purge: a new docno, found by both
        writer.add([Article("b1", "Tin mới về giá vàng", "Giá vàng lập kỷ lục.")])
        assert writer.store.max_docno() > newest
        replica.refresh()
        assert ids(replica.search("kỷ lục"))[0] == "b1"
        stage = replica.first_stage
        assert stage.client.count(index=name)["count"] == len(rows(other)["live"]) == 9
        other.close()
        replica.close()
    finally:
        writer.first_stage.delete()
        writer.close()


def test_the_embedded_index_purges_nothing_here(tmp_path):
    index = SearchIndex.open(tmp_path / "data")
    out = io.StringIO()
    assert cmd_purge(index, out=out) == 0
    assert "compaction forgets them here" in out.getvalue()
    index.close()

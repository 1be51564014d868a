"""Source filters: names typed the short way, resolved against the archive's outlets."""

import sqlite3

import pytest

from index.models import Article
from index.outlets import UnknownSource, outlet_keys, resolve, split_sources
from index.search import SearchIndex
from index.sql_store import SCHEMA_VERSION, Store

KNOWN = ["vnexpress.net", "dantri.com.vn", "baomoi.com", "Báo Tuổi Trẻ", "www.24h.com.vn"]


def test_split_sources_takes_every_filter_out():
    assert split_sources("giá vàng nguồn:vnexpress") == ("giá vàng", ("vnexpress",))
    assert split_sources("source:dantri/24h bão  số 3 Nguon:vnexpress") == (
        "bão số 3",
        ("dantri", "24h", "vnexpress"),
    )
    assert split_sources('tỷ giá nguồn:"Tuổi Trẻ"') == ("tỷ giá", ("Tuổi Trẻ",))
    # a word that only contains "nguồn:" is no filter
    assert split_sources("khởinguồn:x") == ("khởinguồn:x", ())


def test_outlets_answer_to_short_names():
    assert {"vnexpressnet", "vnexpress"} == outlet_keys("vnexpress.net")
    assert "dantri" in outlet_keys("dantri.com.vn")
    assert "tuoitre" in outlet_keys("Báo Tuổi Trẻ")
    assert "24h" in outlet_keys("www.24h.com.vn")
    assert outlet_keys(None) == frozenset()


def test_resolve_names_or_list_the_sources():
    assert resolve(["VnExpress"], KNOWN) == {"vnexpress.net"}
    assert resolve(["tuoitre", "dân trí"], KNOWN) == {"Báo Tuổi Trẻ", "dantri.com.vn"}
    with pytest.raises(UnknownSource) as info:
        resolve(["thanhnien", "vnexpress"], KNOWN)
    assert info.value.names == ("thanhnien",)
    assert set(info.value.known) == set(KNOWN)


def test_search_keeps_the_named_outlets_only(tmp_path):
    index = SearchIndex.open(tmp_path)
    index.add(
        [
            Article("a", "Giá vàng tăng mạnh", "Giá vàng SJC tăng.", source="vnexpress.net"),
            Article("b", "Giá vàng giảm nhẹ", "Giá vàng nhẫn giảm.", source="dantri.com.vn"),
            Article("c", "Giá vàng đi ngang", "Giá vàng ổn định.", source="baomoi.com"),
        ]
    )
    assert {h.article.id for h in index.search("giá vàng").hits} == {"a", "b", "c"}
    result = index.search_text("giá vàng nguồn:vnexpress")
    assert [h.article.id for h in result.hits] == ["a"] and result.total == 1
    assert result.query == "giá vàng nguồn:vnexpress"  # a later page asks the same
    both = index.search_text("giá vàng source:dantri/baomoi")
    assert {h.article.id for h in both.hits} == {"b", "c"}
    with pytest.raises(UnknownSource) as info:
        index.search_text("giá vàng nguồn:tuoitre")
    assert set(info.value.known) == {"vnexpress.net", "dantri.com.vn", "baomoi.com"}
    index.close()


def test_schema_1_database_gains_the_image_column(tmp_path):
    path = tmp_path / "newsbot.db"
    store = Store(path)
    store.close()
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE articles DROP COLUMN image")
    db.execute("UPDATE meta SET value='1' WHERE key='schema'")
    db.execute(
        "INSERT INTO articles (id, title, body, digest, terms, added_at)"
        " VALUES ('old', 'Tiêu đề', 'Nội dung', 'x', x'', 0)"
    )
    db.commit()
    db.close()
    store = Store(path)
    assert store.article("old")[1].image is None
    store.write([(Article("new", "Ảnh", "Có ảnh.", image="https://x.vn/a.jpg"), ["ảnh"], [])])
    assert store.article("new")[1].image == "https://x.vn/a.jpg"
    (version,) = store.database.one("SELECT value FROM meta WHERE key='schema'")
    assert int(version) == SCHEMA_VERSION == 2
    store.close()


def test_the_list_of_sources_is_bounded():
    error = UnknownSource(["x"], [f"bao{n}.vn" for n in range(45)])
    assert error.listed(30).endswith("bao29.vn … (+15)")
    assert UnknownSource(["x"], ["a.vn", "b.vn"]).listed() == "a.vn, b.vn"

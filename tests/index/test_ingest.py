"""`newsbot index`'s pipeline: analysis on a process pool, one pass over the fields."""

import json

import index.live_postings as search_module
from index.ingest import ingest
from index.search import SearchIndex

TOPICS = ["giá vàng", "bão lũ", "bóng đá", "xăng dầu", "học sinh", "chứng khoán", "du lịch"]


def write_jsonl(path, start: int, n: int):
    rows = [
        {
            "id": f"a{i}",
            "title": f"Tin {TOPICS[i % 7]} số {i} tại Hà Nội",
            "body": f"Thành phố Hồ Chí Minh ngày {i}: {TOPICS[i % 7]} và {TOPICS[(i * 3) % 7]}.",
        }
        for i in range(start, start + n)
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def test_a_bulk_load_reads_each_article_once_into_the_segment(tmp_path, monkeypatch):
    calls = []
    real = search_module.field_terms
    monkeypatch.setattr(search_module, "field_terms", lambda t, b: calls.append(1) or real(t, b))
    idx = SearchIndex.open(tmp_path / "data")
    report = ingest(idx, [write_jsonl(tmp_path / "a.jsonl", 0, 120)], workers=1)
    assert report.added == 120
    # the compaction reads every article; no delta is built beforehand only to be dropped
    assert len(calls) == 120
    assert idx.stats().segment_docs == 120
    assert [h.article.id for h in idx.search("giá vàng số 7", exact=True).hits][:1] == ["a7"]


def test_a_small_load_joins_the_delta_and_is_searchable(tmp_path):
    idx = SearchIndex.open(tmp_path / "data")
    ingest(idx, [write_jsonl(tmp_path / "a.jsonl", 0, 50)], workers=1)
    ingest(idx, [write_jsonl(tmp_path / "b.jsonl", 50, 3)], workers=1)
    stats = idx.stats()
    assert (stats.segment_docs, stats.delta_docs) == (50, 3)
    assert [h.article.id for h in idx.search("bóng đá số 51", exact=True).hits][:1] == ["a51"]


def test_the_process_pool_analyzes_as_this_process_does(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", 0, 150)  # above the pool's threshold
    pooled = SearchIndex.open(tmp_path / "pooled")
    ingest(pooled, [path], workers=2)
    alone = SearchIndex.open(tmp_path / "alone")
    ingest(alone, [path], workers=1)
    assert list(pooled.store.live_docs(0)) == list(alone.store.live_docs(0))


def test_field_terms_are_the_fields_spelled_out():
    title = ["thành_uỷ", "tp", "hcm"]
    body = ["sài_gòn", "đón", "khách", "hà_nội", "tp", "hcm"]
    fields = search_module.field_terms(title, body)
    folded = ["thanh_uy", "tp", "hcm", "sai_gon", "don", "khach", "ha_noi", "tp", "hcm"]
    assert fields["body"] == title + body and fields["title"] == title
    assert fields["fold"] == folded and fields["fold_title"] == folded[:3]
    assert fields["syl"] == " ".join(folded).replace("_", " ").split()
    assert fields["alias"] == ["hcm", "hcm", "hanoi", "hcm"]
    assert search_module.field_terms([], [])["syl"] == []

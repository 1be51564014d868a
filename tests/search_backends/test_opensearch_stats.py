"""The planner's counts read from a real OpenSearch node: a replica that holds no postings."""

import dataclasses
import datetime as dt

import pytest
from opensearch_node import fresh_index_name

from index.fields import FIELDS
from index.models import Article
from index.search import SearchIndex
from index.sql_store import Store
from search_backends.opensearch import OpenSearchStage

ARTICLES = [
    Article("vang", "Giá vàng tăng mạnh", "Giá vàng SJC tăng 200 nghìn đồng mỗi lượng."),
    Article("bao", "Bão số 5 đổ bộ miền Trung", "Cơn bão số 5 gây mưa lớn ở miền Trung."),
    Article("xang", "Giá xăng giảm", "Giá xăng dầu trong nước giảm từ chiều nay."),
    Article("bong-da", "Đội tuyển thắng 2-0", "Đội tuyển bóng đá Việt Nam thắng.", source="24h"),
    Article("lai-xe", "Lái xe say rượu", "Tài xế lái xe say rượu bị phạt nặng ở Hà Nội."),
    Article("phau-thuat", "Ca phẫu thuật", "Bệnh nhân được phẫu thuật thành công ở bệnh viện."),
]
ARTICLES += [
    dataclasses.replace(a, id=f"{a.id}-{n}", published=dt.date(2020, 1 + n, 1))
    for n in range(3)
    for a in ARTICLES
]
# enough articles with "phẫu thuật" for "phẫu tuật" to be taken for it (spelling.COMMON)
ARTICLES += [dataclasses.replace(ARTICLES[5], id=f"phau-thuat-{n}") for n in range(3, 24)]
QUESTIONS = ("giá vàng", "gia xang dau", "lai xe say ruou", "bão miền Trung", "phẫu tuật", "Hà Nội")


def ids(result):
    return [h.article.id for h in result.hits]


@pytest.fixture
def writer(tmp_path, opensearch_url):
    """An embedded index of the articles, and the name of an OpenSearch index of them (3 shards)."""
    embedded = SearchIndex.open(tmp_path / "writer")
    embedded.add(ARTICLES)
    name = fresh_index_name()
    stage = OpenSearchStage(opensearch_url, name, shards=3)
    stage.sync(embedded.store)
    yield embedded, name
    stage.delete()
    stage.close()
    embedded.close()


def replica(tmp_path, url, name):
    store = Store(tmp_path / "writer" / "newsbot.db")
    return SearchIndex.open(
        tmp_path / "replica", store=store, first_stage=OpenSearchStage(url, name)
    )


def test_counts_summed_over_shards_are_the_embedded_ones(tmp_path, opensearch_url, writer):
    embedded, name = writer
    served = replica(tmp_path, opensearch_url, name)
    terms = {
        f: sorted({t for d in embedded.store.live_docs() for t in d.body_terms + d.title_terms})
        for f in ("body", "title")
    }
    fields = served.fields
    assert set(fields) == set(FIELDS)
    for f in ("body", "fold", "syl", "asyl"):
        ours, theirs = embedded.fields[f], fields[f]
        sample = (
            terms["body"] if f == "body" else [t.lower() for t in ("gia", "vang", "xe", "lai_xe")]
        )
        served.first_stage.prefetch((f, t) for t in sample)
        before = served.first_stage.stats.requests
        assert [theirs.df(t) for t in sample] == [ours.df(t) for t in sample], f
        assert [theirs.cf(t) for t in sample] == [ours.cf(t) for t in sample], f
        assert served.first_stage.stats.requests - before <= 1  # one batch for them all
        assert (theirs.n_docs, theirs.total_len) == (ours.n_docs, ours.total_len), f
    served.close()


def test_a_replica_with_an_empty_folder_answers_as_the_embedded_engine(
    tmp_path, opensearch_url, writer
):
    embedded, name = writer
    served = replica(tmp_path, opensearch_url, name)
    assert served.segments.state.fields == {}  # no postings loaded
    for question in QUESTIONS:
        ours, theirs = embedded.search(question), served.search(question)
        assert ids(theirs) == ids(ours), question
        assert [h.excerpt for h in theirs.hits] == [h.excerpt for h in ours.hits], question
        assert served.plan(question) == embedded.plan(question), question
    # "phẫu tuật" is mended into the word meant, as the embedded planner mends it
    assert "phẫu_thuật" in served.plan("phẫu tuật").highlight
    served.close()
    assert not any((tmp_path / "replica").rglob("*"))  # nothing written in its folder


def test_planning_a_question_costs_one_request_then_none(tmp_path, opensearch_url, writer):
    _, name = writer
    served = replica(tmp_path, opensearch_url, name)
    stats = served.first_stage.stats
    # a mistyped syllable costs one more for its edits (and one for the words they make,
    # but "phẫu_thuật" was counted for the question before)
    for question, requests in (("gia xang dau", 1), ("phẫu thuật bệnh nhân", 1), ("phẫu tuật", 2)):
        before = stats.requests
        served.search(question)
        assert stats.requests - before == requests, question
        served.search(question)
        assert stats.requests - before == requests, question  # the counts are cached
    served.close()


def test_counts_follow_new_articles(tmp_path, opensearch_url, writer):
    embedded, name = writer
    served = replica(tmp_path, opensearch_url, name)
    assert served.fields["body"].df("kỷ_lục") == 0
    other = OpenSearchStage(opensearch_url, name)
    embedded.add([Article("ky-luc", "Giá bạc lập kỷ lục", "Giá bạc lập kỷ lục mới.")])
    other.sync(embedded.store)  # another process brings the article in
    other.close()
    assert served.refresh() == 1
    assert served.fields["body"].df("kỷ_lục") == embedded.fields["body"].df("kỷ_lục") == 1
    assert served.fields["body"].n_docs == len(ARTICLES) + 1
    assert ids(served.search("kỷ lục"))[0] == "ky-luc"
    served.close()


def test_the_body_vocabulary_is_counted_as_articles_are_sent(tmp_path, opensearch_url, writer):
    embedded, name = writer  # loaded onto an empty index, 3 shards
    served = replica(tmp_path, opensearch_url, name)
    assert served.stats().terms == embedded.stats().terms > 20
    before = served.stats().terms
    other = OpenSearchStage(opensearch_url, name)
    embedded.add(
        [
            Article("ky-luc", "Giá bạc lập kỷ lục", "Giá bạc lập kỷ lục mới ở Hà Nội."),
            Article("vang-2", "Giá vàng tăng", "Giá vàng SJC tăng."),  # no new term
        ]
    )
    other.sync(embedded.store)  # onto a loaded index: the cluster says which terms are new
    other.sync(embedded.store)  # nothing more: the count stays
    other.close()
    assert served.stats().terms == embedded.stats().terms > before
    served.close()

"""The OpenSearch first stage on real nodes: following the store, refusals, and a lost node."""

import dataclasses
import datetime as dt
import signal
import threading
import time

import pytest
from opensearch_node import OpenSearchNode, build, fresh_index_name
from opensearchpy import ConnectionTimeout, OpenSearch

from index import ExactNotServed
from index.models import Article
from index.ranking import Ranking
from index.search import SearchIndex
from search_backends.opensearch import OpenSearchStage, PlanNotServed, SearchUnavailable
from search_backends.opensearch_query import plan_query
from storage.unreachable import unreachable

ARTICLES = [
    Article("vang", "Giá vàng tăng mạnh", "Giá vàng SJC tăng 200 nghìn đồng mỗi lượng."),
    Article("bao", "Bão số 5 đổ bộ miền Trung", "Cơn bão số 5 gây mưa lớn ở miền Trung."),
    Article("xang", "Giá xăng giảm", "Giá xăng dầu trong nước giảm từ chiều nay."),
    Article("bong-da", "Đội tuyển thắng 2-0", "Đội tuyển bóng đá Việt Nam thắng.", source="24h"),
]


def ids(result):
    return [h.article.id for h in result.hits]


@pytest.fixture
def stage(opensearch_url):
    s = OpenSearchStage(opensearch_url, fresh_index_name())
    yield s
    s.delete()
    s.close()


def test_sync_sends_only_changes_and_a_rerun_sends_the_same_documents(tmp_path, stage):
    idx = SearchIndex.open(tmp_path, first_stage=stage)
    idx.add(ARTICLES)
    count = stage.client.count(index=stage.index)["count"]
    assert count == len(ARTICLES)
    assert stage.sync(idx.store) == 0  # nothing changed since
    # a crash after the bulk but before the mark: the next sync sends them again, no doubles
    stage._set_meta(seq=0, docno=0)
    assert stage.sync(idx.store) == len(ARTICLES)
    assert stage.client.count(index=stage.index)["count"] == len(ARTICLES)
    # an edit replaces the document, a removal removes it
    idx.add([dataclasses.replace(ARTICLES[0], body="Giá bạc tăng kỷ lục.")])
    idx.remove(["bao"])
    assert stage.client.count(index=stage.index)["count"] == len(ARTICLES) - 1
    assert ids(idx.search("giá bạc"))[0] == "vang" and idx.search("SJC").total == 0
    assert idx.search("bão số 5").total == 0
    idx.close()


def test_removals_a_compaction_forgot_are_mended(tmp_path, opensearch_url):
    name = fresh_index_name()
    idx = SearchIndex.open(tmp_path, first_stage=OpenSearchStage(opensearch_url, name))
    idx.add(ARTICLES)
    idx.close()
    # another process without OpenSearch removes and compacts: the retired rows are gone
    plain = SearchIndex.open(tmp_path)
    plain.remove(["xang"])
    plain.compact()
    plain.close()
    again = SearchIndex.open(tmp_path, first_stage=OpenSearchStage(opensearch_url, name))
    assert again.first_stage.client.count(index=name)["count"] == len(ARTICLES) - 1
    assert "xang" not in ids(again.search("giá xăng dầu"))
    again.first_stage.delete()
    again.close()


def test_another_database_gets_a_fresh_index(tmp_path, stage):
    first = SearchIndex.open(tmp_path / "a", first_stage=stage)
    first.add(ARTICLES)
    first.close()
    other = OpenSearchStage(stage.url, stage.index)
    second = SearchIndex.open(tmp_path / "b", first_stage=other)
    second.add(ARTICLES[:1])
    assert other.client.count(index=stage.index)["count"] == 1
    second.close()


def test_what_lucene_cannot_score_is_refused(tmp_path, stage):
    idx = SearchIndex.open(tmp_path, first_stage=stage)
    idx.add(ARTICLES)
    with pytest.raises(ExactNotServed):
        idx.search("giá vàng", exact=True)
    idx.ranking = Ranking(b=0.75)  # the mapping's b is the default ranking's
    with pytest.raises(PlanNotServed):
        idx.search("giá vàng")
    idx.ranking = Ranking(idf="okapi")
    with pytest.raises(PlanNotServed):
        idx.search("giá vàng")
    idx.close()


def test_filters_and_periods_reach_opensearch(tmp_path, stage):
    dated = [
        dataclasses.replace(a, published=dt.date(2021, 1, 1 + i)) for i, a in enumerate(ARTICLES)
    ]
    idx = SearchIndex.open(tmp_path, first_stage=stage)
    idx.add(dated + [Article("vang-cu", "Giá vàng", "Giá vàng giảm.")])
    assert ids(idx.search("giá", date_from=dt.date(2021, 1, 3))) == ["xang"]
    assert ids(idx.search("giá", sources=["24h"])) == []
    assert ids(idx.search("đội tuyển", sources=["24h"])) == ["bong-da"]
    # the plan's syllables admit an article only with over half of them
    plan = idx.plan("vàng xăng bão")
    admit = plan_query(plan)["post_filter"]["bool"]["should"][-1]["bool"]
    assert admit["minimum_should_match"] == len(admit["should"]) // 2 + 1
    idx.close()


@pytest.mark.slow
def test_two_nodes_lose_one_mid_stream_and_no_question_fails(tmp_path):
    classpath = build()
    names = ("n1", "n2")
    nodes = [OpenSearchNode(tmp_path, n, cluster="newsbot-pair", heap="384m") for n in names]
    seeds = tuple(n.transport_port for n in nodes)
    for n in nodes:
        n.seeds, n.masters = seeds, names
        n.launch(classpath)
    try:
        for n in nodes:
            n.wait()
        client = OpenSearch(nodes[0].url)
        assert client.cluster.health(wait_for_nodes="2")["number_of_nodes"] == 2
        both = ",".join(n.url for n in nodes)  # NEWSBOT_OPENSEARCH_URL names every node
        stage = OpenSearchStage(both, "pair", shards=3, replicas=1)
        idx = SearchIndex.open(tmp_path / "data", first_stage=stage)
        idx.add(ARTICLES)
        health = client.cluster.health(index="pair", wait_for_status="green")
        assert health["status"] == "green" and health["active_shards"] == 6
        questions = ("giá vàng", "bão miền Trung", "gia xang", "đội tuyển bóng đá")
        before = {q: ids(idx.search(q)) for q in questions}
        assert before["giá vàng"][0] == "vang"
        # a stream of questions (their counts asked afresh each time) while a node dies:
        # SIGKILL the node that is not the cluster manager (two nodes have no quorum
        # without it); the survivor holds a copy of every shard
        manager = client.cat.cluster_manager(format="json")[0]["node"]
        lost = next(n for n in nodes if n.name != manager)
        answers, failures = [], []
        stop = threading.Event()

        def ask() -> None:
            while not stop.is_set():
                for q in questions:
                    stage.stats.clear()
                    try:
                        answers.append((q, ids(idx.search(q))))
                    except Exception as e:  # noqa: BLE001 - counted: the test wants none
                        failures.append(repr(e))

        def answered(n: int) -> None:
            deadline = time.monotonic() + 120
            while len(answers) + len(failures) < n and time.monotonic() < deadline:
                time.sleep(0.05)

        asking = threading.Thread(target=ask)
        asking.start()
        answered(8)
        asked_before_the_kill = len(answers)
        lost.kill()
        answered(asked_before_the_kill + 16)
        stop.set()
        asking.join(60)
        assert failures == []
        assert asked_before_the_kill >= 8 and len(answers) >= asked_before_the_kill + 16
        assert all(got == before[q] for q, got in answers)
        survivor = next(n for n in nodes if n is not lost)
        health = OpenSearch(survivor.url).cluster.health(wait_for_nodes="1")
        assert health["number_of_nodes"] == 1
        idx.close()
    finally:
        for n in nodes:
            n.stop()


def test_excerpts_and_highlights_are_the_embedded_ones(tmp_path, stage):
    embedded = SearchIndex.open(tmp_path)
    embedded.add(ARTICLES)
    served = SearchIndex.open(tmp_path, first_stage=stage)
    for query in ("giá vàng", "gia xang dau", "bão miền Trung", "đội tuyển bóng đá"):
        ours, theirs = embedded.search(query), served.search(query)
        assert ids(ours) == ids(theirs), query
        assert [h.excerpt for h in ours.hits] == [h.excerpt for h in theirs.hits], query
        assert [h.score for h in ours.hits] == pytest.approx([h.score for h in theirs.hits])
        assert (ours.total, ours.partial) == (theirs.total, theirs.partial)
    served.close()
    embedded.close()


def test_the_settings_of_a_real_cluster_reach_the_client_and_the_index(tmp_path, opensearch_url):
    from app.search_backend import open_index, search_options
    from app.settings import Settings

    name = fresh_index_name()
    settings = Settings(
        NEWSBOT_DATA_DIR=tmp_path,
        NEWSBOT_OPENSEARCH_URL=opensearch_url,
        NEWSBOT_OPENSEARCH_INDEX=name,
        NEWSBOT_OPENSEARCH_USER="newsbot",
        NEWSBOT_OPENSEARCH_PASSWORD="s3cret",
        NEWSBOT_OPENSEARCH_SHARDS=2,
        NEWSBOT_OPENSEARCH_TIMEOUT=7,
        NEWSBOT_OPENSEARCH_POOL=3,
        _env_file=None,
    )
    assert search_options(settings)["auth"] == ("newsbot", "s3cret")
    index = open_index(settings)  # creates the index (this node runs without security)
    try:
        connection = index.first_stage.client.transport.connection_pool.connections[0]
        assert connection.headers["authorization"].startswith("Basic ")
        assert connection.timeout == 7
        assert connection.pool.pool.maxsize == 3  # urllib3 keeps this many open
        got = index.first_stage.client.indices.get_settings(index=name)[name]["settings"]
        assert got["index"]["number_of_shards"] == "2"
        assert got["index"]["number_of_replicas"] == "0"
    finally:
        index.first_stage.client.indices.delete(index=name)
        index.close()


def test_matches_are_counted_up_to_the_cap(tmp_path, stage):
    idx = SearchIndex.open(tmp_path, first_stage=stage)
    idx.add(ARTICLES)
    whole = idx.search("giá")
    assert whole.total == len(whole.hits) == 2 and not whole.total_capped
    stage.count_cap = 1  # OpenSearch stops counting here
    found = idx.search("giá")
    assert (found.total, found.total_capped) == (1, True)
    assert ids(found) == ids(whole)  # the list is not cut, only the count
    idx.close()


def test_several_nodes_may_be_named_and_each_gets_a_connection(tmp_path):
    from pydantic import ValidationError

    from app.settings import Settings
    from search_backends.opensearch import client

    named = " http://127.0.0.1:9201/, http://127.0.0.1:9202 "
    settings = Settings(NEWSBOT_DATA_DIR=tmp_path, NEWSBOT_OPENSEARCH_URL=named, _env_file=None)
    assert settings.opensearch_url == "http://127.0.0.1:9201,http://127.0.0.1:9202"
    nodes = client(settings.opensearch_url, 5).transport.connection_pool.connections
    assert sorted(c.port for c in nodes) == [9201, 9202]
    with pytest.raises(ValidationError, match="http:// or https://"):
        Settings(NEWSBOT_OPENSEARCH_URL="http://a:9200,ftp://b", _env_file=None)


def test_a_frozen_node_fails_searches_at_once_until_it_answers_again(tmp_path, opensearch_node):
    stage = OpenSearchStage(opensearch_node.url, fresh_index_name())
    idx = SearchIndex.open(tmp_path, first_stage=stage)
    idx.add(ARTICLES)
    before = ids(idx.search("giá vàng"))
    opensearch_node.process.send_signal(signal.SIGSTOP)  # accepts, never answers
    try:
        with pytest.raises(ConnectionTimeout):  # the first search waits its 5 s, once
            idx.search("giá vàng")
        _eventually(lambda: stage.breaker.opened is not None)  # its ping found it gone
        with pytest.raises(SearchUnavailable, match="unreachable for"):  # not even sent
            idx.search("giá vàng")
        assert unreachable(SearchUnavailable("x"))  # the bot keeps such a question
    finally:
        opensearch_node.process.send_signal(signal.SIGCONT)
    _eventually(lambda: stage.breaker.opened is None)
    assert ids(idx.search("giá vàng")) == before
    idx.close()
    stage.delete()


def _eventually(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_ties_come_newest_first_then_latest_as_the_embedded_engine_orders_them(tmp_path, stage):
    days = [None if i % 5 == 0 else dt.date(2024, 1, 1 + i % 4) for i in range(24)]
    copies = [
        Article(f"t{i}", "Giá vàng tăng", "Giá vàng tăng mạnh.", published=d)
        for i, d in enumerate(days)
    ]
    idx = SearchIndex.open(tmp_path, first_stage=stage)
    idx.add([Article("xang", "Giá xăng giảm", "Giá xăng giảm nhẹ."), *copies])
    plan = idx.plan("giá vàng")

    def order(k):
        docnos = idx.best(plan, k)[0].tolist()
        found = idx.store.articles(docnos)
        return [found[d].id for d in docnos]

    # equal scores: newer first, undated last, then the later article (the embedded rule)
    newest = sorted(range(24), key=lambda i: (days[i] is not None, days[i] or dt.date.min, i))
    expected = [f"t{i}" for i in reversed(newest)]
    assert order(20) == expected[:20]  # the ties fit in what was asked: put in order here
    assert stage.exact_asked == 0
    assert order(3) == expected[:3]  # 24 ties, 13 asked: asked again, sorted by the node
    assert stage.exact_asked == 1
    assert order(30) == [*expected, "xang"]
    idx.close()


def test_an_article_holding_a_minority_of_the_syllables_is_neither_listed_nor_counted(
    tmp_path, stage
):
    idx = SearchIndex.open(tmp_path, first_stage=stage)
    china = [
        Article("tq", "Trung Quốc mở cửa", "Hàng Trung Quốc về Việt Nam."),
        Article("xe", "Xe điện Trung Quốc", "Trung Quốc bán xe điện."),
    ]
    idx.add(ARTICLES + china)
    plan = idx.plan("Trung Quốc")
    syllables = plan_query(plan)["post_filter"]["bool"]["should"][-1]["bool"]
    assert syllables["minimum_should_match"] == 2
    # "bao" holds "Trung" (one syllable of two) and scores for it, but is not admitted
    found = idx.search("Trung Quốc")
    assert set(ids(found)) == {"tq", "xe"} and found.total == 2 and not found.total_capped
    stage.count_cap = 1
    capped = idx.search("Trung Quốc")
    assert (capped.total, capped.total_capped) == (1, True) and ids(capped) == ids(found)
    idx.close()

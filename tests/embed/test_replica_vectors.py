"""PostgreSQL + OpenSearch replicas rank with meaning as the embedded engine does, with no
vector file: the vectors are in the database, embedded once for the whole cluster."""

import datetime as dt

import pytest
from opensearch_node import fresh_index_name
from opensearchpy import OpenSearch

from embed.queue import EmbedQueue
from index.models import Article
from index.search import SearchIndex
from index.sql_store import Store
from search_backends import open_search_index
from storage import open_database

MORE = [
    Article(
        "benh-vien",
        "Bệnh nhân được chuyển lên tuyến trên",
        "Người bệnh bị đau bụng dữ dội được đưa tới Bệnh viện Bạch Mai trong đêm. Các bác sĩ "
        "phẫu thuật cấp cứu và cho biết ca mổ thành công.",
        published=dt.date(2023, 3, 4),
    ),
    Article(
        "gia-xang",
        "Giá xăng giảm lần thứ ba liên tiếp",
        "Từ 15h chiều nay giá xăng RON 95 giảm 300 đồng một lít. Giá dầu diesel cũng giảm "
        "nhẹ theo giá thế giới.",
        published=dt.date(2023, 4, 11),
    ),
    Article(
        "xe-dien",
        "Xe máy điện bán chạy ở thành phố",
        "Doanh số xe máy điện tăng gấp đôi trong năm nay. Người mua cho rằng tiền điện sạc "
        "rẻ hơn tiền xăng.",
        published=dt.date(2023, 6, 9),
    ),
]
QUESTIONS = [
    "bao nhiêu người chết vì bão",
    "bao nhiêu người tử vong vì bão tuyết",
    "xe hơi điện",  # no article says it: "ô tô chạy pin"
    "tiền điện tăng",
    "bệnh viện nào",
    "bao nhieu nguoi chet vi bao",
    "giá xăng hôm nay",
]


def ids(index: SearchIndex, question: str) -> list[str]:
    return [h.article.id for h in index.search(question, k=10).hits]


@pytest.fixture
def cluster(postgres_server, opensearch_url):
    """A new PostgreSQL database and OpenSearch index: what replicas share."""
    url, name = postgres_server.create_database(), fresh_index_name()
    yield url, name
    postgres_server.drop_database(url)
    client = OpenSearch(opensearch_url)
    client.indices.delete(index=name, ignore_unavailable=True)
    client.close()


def test_replicas_rank_as_the_embedded_engine_with_no_vector_file(
    tmp_path, encoder, articles, cluster, opensearch_url
):
    url, name = cluster
    articles += MORE
    embedded = SearchIndex.open(tmp_path / "embedded", encoder=encoder)
    embedded.add(articles)
    assert EmbedQueue(embedded, encoder).run() == 2 * len(articles)  # leads, windows

    def replica(folder: str) -> SearchIndex:
        store = Store(open_database(url))
        return open_search_index(tmp_path / folder, store, opensearch_url, name, encoder=encoder)

    first = replica("first")
    first.add(articles)
    assert EmbedQueue(first, encoder).run() == 2 * len(articles)
    second = replica("second")  # another machine of the cluster: embeds nothing
    assert EmbedQueue(second, encoder).pending().total == 0
    for index in (first, second):
        assert not (index.data_dir / "vectors").exists()
        assert index.coverage() == embedded.coverage()
    lexical = SearchIndex.open(tmp_path / "embedded")  # no encoder
    changed = 0
    for q in QUESTIONS:
        got = ids(embedded, q)
        assert ids(first, q) == got, q
        assert ids(second, q) == got, q
        changed += got != ids(lexical, q)
    assert changed >= 2  # the semantic stage was on, and moved something
    assert "o-to-pin" in ids(second, "xe hơi điện")  # a dense candidate, from the database
    stats = second.stats()
    assert (stats.vectors, stats.windows) == (len(articles),) * 2
    for index in (embedded, first, second, lexical):
        index.close()

"""The bot's embedding worker: a thread that catches up while searches go on."""

import time

from embed.worker import EmbedWorker
from index.models import Article


def test_the_worker_embeds_new_articles_while_search_answers(small_index):
    worker = EmbedWorker(small_index, small_index.semantic.encoder, articles=2, idle=0.05)
    worker.start()
    try:
        # searches answer lexically from the start, whatever the worker has done
        assert small_index.search("tiền điện").hits[0].article.id == "gia-dien"
        deadline = time.monotonic() + 120
        while worker.queue.pending().total and time.monotonic() < deadline:
            time.sleep(0.1)
        assert worker.queue.pending().total == 0
        small_index.add(
            [Article("moi", "Giá xăng giảm", "Giá xăng giảm 500 đồng mỗi lít từ chiều nay.")]
        )
        assert small_index.search("giá xăng").hits[0].article.id == "moi"  # before its vector
        while worker.queue.pending().total and time.monotonic() < deadline:
            time.sleep(0.1)
        assert worker.queue.pending().total == 0
    finally:
        worker.stop()
    assert worker.embedded == 12  # 6 leads, 6 articles' windows: each once
    assert small_index.stats().vectors == 6

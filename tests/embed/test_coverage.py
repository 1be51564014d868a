"""What operators see of the semantic stage's reach: `newsbot stats`, /admin, coverage()."""

import io

from app.cli_index import cmd_stats
from bot.admin import semantic_line
from bot.texts_en import EN
from bot.texts_vi import VI
from embed.queue import EmbedQueue
from index.semantic import Coverage


def test_coverage_grows_as_the_queue_embeds(small_index):
    assert small_index.coverage() == Coverage(articles=5, leads=0, windows=0)
    queue = EmbedQueue(small_index, small_index.semantic.encoder)
    queue.step(articles=3)
    assert small_index.coverage() == Coverage(articles=5, leads=3, windows=0)
    stats = small_index.stats()
    assert semantic_line(stats, VI) == "3/5 bài đã có vector (60%), 0 bài có cả đoạn"
    queue.run()
    assert small_index.coverage() == Coverage(articles=5, leads=5, windows=5)
    stats = small_index.stats()
    assert semantic_line(stats, EN) == "5 of 5 articles embedded (100%), 5 with passages"
    out = io.StringIO()
    cmd_stats(small_index, out)
    assert "5 articles with vectors (100%), 5 with passage windows" in out.getvalue()

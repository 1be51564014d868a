"""bench/faults.py, smaller: PostgreSQL stopped, then OpenSearch frozen, under two replicas."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from servers.postgres import PostgresServer

pytestmark = pytest.mark.slow

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))


def test_no_question_is_lost_or_answered_twice_through_two_outages(tmp_path, opensearch_node):
    import faults

    with PostgresServer() as server:  # its own: this test stops it
        result = faults.run(tmp_path, server, opensearch_node, questions=24, outage=10.0)
    summary = "\n".join(result.lines())
    print(summary)
    assert result.asked == 24, summary
    assert result.lost == 0 and result.doubled == 0, summary
    assert result.answered_once == 24, summary
    assert result.noticed >= 1, summary  # some questions came while a backend was down
    for outage in result.outages:  # both replicas saw each outage, and its end
        assert set(outage.not_ready) == {0, 1} and set(outage.ready) == {0, 1}, summary

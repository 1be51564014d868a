"""The outage spool: each update kept once, oldest first, gone when answered."""

from __future__ import annotations

from bot import spool as spool_module
from bot.spool import Spool


def test_an_update_is_kept_once_and_leaves_when_answered(tmp_path):
    spool = Spool.open(tmp_path)
    spool.add(7, {"update_id": 7}, noticed=True)
    spool.add(5, {"update_id": 5}, noticed=False)
    spool.add(7, {"update_id": 7}, noticed=False)  # tried again: still one, still noticed
    assert len(spool) == 2 and spool.holds(7) and not spool.holds(6)
    assert [(u, n) for u, _, n in spool.due()] == [(7, True), (5, False)]
    spool.done(7)
    spool.close()
    again = Spool.open(tmp_path)  # a restart keeps what is left
    assert [u for u, _, _ in again.due()] == [5]
    again.close()


def test_the_oldest_go_past_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(spool_module, "MAX_SPOOLED", 3)
    spool = Spool.open(tmp_path)
    for n in range(5):
        spool.add(n, {"update_id": n}, noticed=False)
    assert [u for u, _, _ in spool.due()] == [2, 3, 4]
    spool.close()

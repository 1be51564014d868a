"""bench/engine_ab.py loads another checkout's engine beside this one's."""

from bench.engine_ab import ROOT, load_base
from index.models import Article
from index.search import SearchIndex


def test_a_checkout_loaded_as_the_base_answers_beside_this_one(tmp_path):
    ours = SearchIndex.open(tmp_path)
    ours.add(
        [
            Article(f"a{i}", f"giá vàng {i}", "giá vàng hôm nay tăng " * (i % 5 + 1))
            for i in range(40)
        ]
    )
    ours.compact()
    base_class = load_base(ROOT)
    assert base_class.__module__ == "base_index.search" and base_class is not SearchIndex
    base = base_class.open(tmp_path)
    found = [e.best(e.plan("giá vàng tăng"), 5) for e in (base, ours)]
    assert list(found[0][0]) == list(found[1][0]) and len(found[0][0]) == 5
    assert list(found[0][1]) == list(found[1][1]) and found[0][2] == found[1][2] == 40
    base.close()
    ours.close()

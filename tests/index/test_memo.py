from index.memo import memo_map


def test_each_distinct_key_is_computed_once():
    cache: dict[str, int] = {}
    calls = []

    def compute(key: str) -> int:
        calls.append(key)
        return len(key)

    assert memo_map(cache, 10, ["ab", "c", "ab"], compute) == [2, 1, 2]
    assert memo_map(cache, 10, ["c", "ab"], compute) == [1, 2]
    assert calls == ["ab", "c"]


def test_a_cache_over_its_limit_starts_over():
    cache = {str(i): i for i in range(5)}
    assert memo_map(cache, 3, ["1", "new"], lambda key: -1) == [-1, -1]
    assert cache == {"1": -1, "new": -1}


def test_a_false_value_is_kept_and_not_computed_again():
    cache: dict[str, int] = {}
    calls = []
    memo_map(cache, 10, ["x"], lambda key: calls.append(key) or 0)
    memo_map(cache, 10, ["x", "x"], lambda key: calls.append(key) or 0)
    assert calls == ["x"]

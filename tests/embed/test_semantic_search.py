"""The semantic stage with the real encoder: meaning beside words, and its switch."""

import dataclasses
import logging

import numpy as np

from embed.encoder import load_encoder
from embed.queue import EmbedQueue
from index.search import SearchIndex
from index.vectors import LEAD, WINDOWS


def ids(result):
    return [h.article.id for h in result.hits]


def test_without_vectors_the_ranking_is_lexical(small_index, tmp_path):
    lexical = SearchIndex.open(small_index.data_dir)  # no encoder: lexical only
    for q in ("bao nhiêu người chết vì bão", "tiền điện tăng", "bong da viet nam"):
        assert ids(small_index.search(q)) == ids(lexical.search(q))
    lexical.close()


def test_an_article_sharing_no_word_is_found_once_embedded(small_index):
    question = "xe hơi điện"  # the article says "ô tô chạy pin"
    assert "o-to-pin" not in ids(small_index.search(question))
    assert EmbedQueue(small_index, small_index.semantic.encoder).run() == 10  # 5 leads, 5 windows
    assert "o-to-pin" in ids(small_index.search(question))
    off = dataclasses.replace(small_index.ranking, semantic=0.0)
    small_index.ranking = off
    assert "o-to-pin" not in ids(small_index.search(question))


def test_a_question_no_article_shares_a_word_with_finds_nothing(small_index):
    EmbedQueue(small_index, small_index.semantic.encoder).run()
    assert small_index.search("khủng long bạo chúa").hits == ()


def test_meaning_breaks_a_tie_of_words(small_index):
    EmbedQueue(small_index, small_index.semantic.encoder).run()
    # both articles hold "người", "chết" / "bão"; the blizzard's dead are people
    got = ids(small_index.search("bao nhiêu người tử vong vì bão tuyết"))
    assert got[0] == "bao-tuyet"


def test_the_queue_resumes_and_embeds_nothing_twice(small_index):
    queue = EmbedQueue(small_index, small_index.semantic.encoder)
    assert queue.pending().leads == 5
    first = queue.step(articles=2)
    assert first.articles == 2 and queue.pending().leads == 3
    files = small_index.semantic.files
    # a writer killed mid-chunk leaves a partial chunk (no done file) and temporary files
    seq = files.append([(99, 0)], small_index.semantic.encoder.passages(["x"]), [(99, LEAD)])
    (files.dir / f"{seq:08d}.done.npy").unlink()
    (files.dir / ".tmp-123-4.codes.npy").write_bytes(b"half")
    rest = queue.run(articles=2)
    assert rest == 3 + 5  # the three leads left, then five articles' windows
    assert queue.pending().total == 0
    rows = files.load()
    pairs = [
        tuple(r) for s in files.chunks() for r in np.load(files.dir / f"{s:08d}.rows.npy").tolist()
    ]
    assert len(pairs) == len(set(pairs)) and 99 not in rows.docnos
    assert set(files.tiers().values()) == {WINDOWS}
    assert not list(files.dir.glob(".tmp*")) and files.problem() is None
    stats = small_index.stats()
    assert (stats.vectors, stats.windows, stats.semantic) == (5, 5, "multilingual-e5-small-q4")


def test_a_broken_model_means_lexical_with_one_log_line(tmp_path, caplog):
    broken = tmp_path / "model.bin"
    broken.write_bytes(b"not a model")
    with caplog.at_level(logging.WARNING):
        assert load_encoder(True, model_path=str(broken)) is None
        assert load_encoder(True, model_path=str(tmp_path / "missing.bin")) is None
    assert len([r for r in caplog.records if "semantic stage off" in r.message]) == 2
    assert load_encoder(False) is None


def test_a_question_is_embedded_while_the_lexical_stage_ranks(small_index):
    EmbedQueue(small_index, small_index.semantic.encoder).run()
    stage, question = small_index.semantic, "bao nhiêu người tử vong vì bão tuyết"
    ranked = ids(small_index.search(question))
    stage._questions.clear()
    stage.prefetch(question, small_index.ranking)
    vector = stage.question(question)  # waits for the prefetch, or finds it done
    assert not stage._pending and len(stage._questions) == 1
    assert np.allclose(vector, stage.encoder.query(question), atol=1e-6)
    assert ids(small_index.search(question)) == ranked
    stage.prefetch("bao nhieu nguoi chet", small_index.ranking)  # bare: waits for the accents
    stage.prefetch(question, dataclasses.replace(small_index.ranking, semantic=0.0))
    assert not stage._pending and len(stage._questions) == 1


class Counting:
    """The real encoder, counting the questions it is asked to embed."""

    def __init__(self, real):
        self.real, self.asked = real, []

    def query(self, text):
        self.asked.append(text)
        return self.real.query(text)

    def passages(self, texts):
        return self.real.passages(texts)


def test_no_question_is_embedded_before_any_article_is(small_index):
    stage = small_index.semantic
    stage.encoder = Counting(stage.encoder)
    asked = stage.encoder.asked
    question = "bao nhiêu người tử vong vì bão tuyết"
    lexical = ids(small_index.search(question))
    assert asked == [] and stage._questions == {}  # a new archive: nothing to meet yet
    EmbedQueue(small_index, stage.encoder).run()
    small_index.search(question)
    assert len(asked) == 1  # once there are vectors, the question is embedded (once)
    assert lexical  # the words found their articles all along


def test_the_encoder_holds_numpy_blas_to_one_thread(encoder):
    from threadpoolctl import threadpool_info

    blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert blas and all(lib["num_threads"] == 1 for lib in blas)


def test_prefetch_returns_once_the_question_is_being_embedded(small_index, monkeypatch):
    import index.semantic

    EmbedQueue(small_index, small_index.semantic.encoder).run()
    stage, question = small_index.semantic, "tiền điện tháng sáu tăng vì sao"
    stage._questions.clear()
    monkeypatch.setattr(index.semantic, "STARTS_WITHIN", 60.0)  # no deadline: the hand-over
    stage.prefetch(question, small_index.ranking)
    pending = list(stage._pending.values())
    # the thread has begun (or finished): the search's lexical stage now runs beside it
    assert all(f.running() or f.done() for f in pending) and (pending or stage._questions)
    assert np.allclose(stage.question(question), stage.encoder.query(question), atol=1e-6)


def test_the_lexical_candidates_passages_are_found_before_the_vector_is_awaited(
    small_index, monkeypatch
):
    import index.search

    EmbedQueue(small_index, small_index.semantic.encoder).run()
    stage, question, events = small_index.semantic, "bao nhiêu người chết vì bão", []
    ranked = ids(small_index.search(question))
    real_passages, real_question = index.search.best_passages, stage.question

    def passages(docnos, *a, **kw):
        events.append(("passages", len(docnos)))
        return real_passages(docnos, *a, **kw)

    def vector(text):
        events.append(("question", None))
        return real_question(text)

    monkeypatch.setattr(index.search, "best_passages", passages)
    monkeypatch.setattr(stage, "question", vector)
    stage._questions.clear()
    assert ids(small_index.search(question)) == ranked  # the same ranking, in another order
    assert [e for e, _ in events] == ["passages", "question"] and events[0][1] >= 2


def test_a_question_asked_again_is_embedded_once(small_index):
    stage = small_index.semantic
    EmbedQueue(small_index, stage.encoder).run()
    stage.encoder = Counting(stage.encoder)
    asked = stage.encoder.asked
    stage._questions.clear()
    first = ids(small_index.search("Tiền điện  tăng vọt"))
    small_index.search("tiền điện tăng vọt", offset=1)  # the next page, typed again
    assert ids(small_index.search("TIỀN ĐIỆN TĂNG VỌT ")) == first
    assert len(asked) == 1


def test_the_question_thread_finds_the_nearest_leads_the_search_would(small_index):
    from index.semantic import _key

    stage, r = small_index.semantic, small_index.ranking
    EmbedQueue(small_index, stage.encoder).run()
    question = "bao nhiêu người tử vong vì bão tuyết"
    stage._questions.clear()
    stage.prefetch(question, r)
    vector = stage.question(question)
    alive = small_index.segments.live().alive
    found = stage._near[_key(question)]  # among all leads, found once the question was embedded
    assert list(found[: r.semantic_depth]) == list(stage.nearest(vector, r.semantic_depth, alive))
    assert stage._prefetched(_key(question), 2, alive) is not None  # taken once ...
    assert stage._prefetched(_key(question), 2, alive) is None  # ... then searched again
    ranked = ids(small_index.search(question))  # not prefetched: its own nearest leads
    stage._questions.clear()
    assert ids(small_index.search(question)) == ranked and not stage._near  # prefetched, used


def test_a_question_may_take_two_threads_while_passages_keep_one(encoder):
    import threading

    threads = encoder._model._lib.omp_get_max_threads
    seen = {}

    def ask():
        encoder.query_threads = 2
        try:
            encoder.query("giá điện tăng")
            seen["query"] = threads()
            encoder.passages(["giá điện tăng mạnh trong tháng sáu"])
            seen["passages"] = threads()
        finally:
            encoder.query_threads = encoder.threads

    thread = threading.Thread(target=ask)
    thread.start()
    thread.join()
    assert seen == {"query": 2, "passages": 1}
    assert threads() == 1  # OpenMP's count is the calling thread's: this one kept its own

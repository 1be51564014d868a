"""Pure search over a Vietnamese news archive: reading, analysis, BM25, excerpts."""

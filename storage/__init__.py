"""Persistence shared by index/ and bot/: one SQLite layer behind narrow store Protocols."""

from .sqlite import Database, Migration, SchemaError

__all__ = ["Database", "Migration", "SchemaError"]

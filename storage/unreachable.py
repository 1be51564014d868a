"""Whether an error says a backend (PostgreSQL, OpenSearch) cannot be reached right now.

Told by the error's class, so that neither driver is imported to ask: an installation
without psycopg or opensearch-py asks too.
"""

from __future__ import annotations

__all__ = ["unreachable"]

_NAMES = {
    "psycopg": {"OperationalError", "InterfaceError"},
    "psycopg_pool": {"PoolTimeout", "PoolClosed", "TooManyRequests"},
    "opensearchpy": {"ConnectionError", "ConnectionTimeout", "SSLError"},
}


def unreachable(error: BaseException | None) -> bool:
    """Whether error, or one it was raised from, says a backend does not answer."""
    seen = 0
    while error is not None and seen < 10:
        if getattr(error, "transient", False):  # the breaker's Unreachable says so itself
            return True
        kind = type(error)
        if kind.__name__ in _NAMES.get(kind.__module__.split(".")[0], ()):
            sqlstate = getattr(error, "sqlstate", None)  # a failed statement is no outage
            if sqlstate is None or sqlstate.startswith(("08", "57P")):
                return True
        if kind.__name__ in ("SearchUnavailable", "DatabaseUnavailable"):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False

"""/readyz's probes of the backends these settings name (bot/readiness.py runs them)."""

from __future__ import annotations

from bot.readiness import TIMEOUT, Probe

from .search_backend import search_options
from .settings import Settings

__all__ = ["probes"]


def probes(settings: Settings, timeout: float = TIMEOUT) -> list[Probe]:
    """The database and search probes of these settings (none for the embedded files)."""
    out = []
    if settings.database:
        from storage.postgres import ping

        url = settings.database
        out.append(Probe("database", lambda: ping(url, timeout)))
    if settings.opensearch_url:
        from search_backends.opensearch import ping as ping_search

        url_os, name = settings.opensearch_url, settings.opensearch_index
        options = search_options(settings)
        auth, ca = options["auth"], options["ca"]
        out.append(Probe("search", lambda: ping_search(url_os, name, timeout, auth, ca)))
    return out

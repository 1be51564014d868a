"""Source filters: ``nguồn:vnexpress`` / ``source:tuoitre`` in a topic or a question.

An outlet is named the way ``newsbot stats`` lists it ("vnexpress.net", "baomoi.com",
"Báo Tuổi Trẻ"), and may be typed shorter: without accents, case, spaces or dots, without
the domain's ending ("vnexpress", "dantri") or a leading "báo" ("tuoitre")::

    text, names = split_sources("giá vàng nguồn:vnexpress")   # ("giá vàng", ("vnexpress",))
    chosen = resolve(names, ["vnexpress.net", "dantri.com.vn"])  # {"vnexpress.net"}
    # UnknownSource when a name is none of them: its .known lists what there is

Several outlets: repeat the filter (``nguồn:vnexpress nguồn:dantri``) or join the names
with ``/`` (``nguồn:vnexpress/dantri``). A name with spaces goes in quotes
(``nguồn:"Tuổi Trẻ"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .normalize import fold, normalize

__all__ = [
    "MAX_SOURCES",
    "OUTLETS",
    "UnknownSource",
    "missing_sources",
    "outlet_filter",
    "outlet_keys",
    "outlet_name",
    "resolve",
    "source_key",
    "split_sources",
]

MAX_SOURCES = 10  # outlets named in one filter

_FILTER = re.compile(
    r"(?<!\S)(?:nguồn|nguon|source|src):\s?(?:[\"“”]([^\"“”]{1,80})[\"“”]?|([^\s,;\"“”]+))",
    re.IGNORECASE,
)
_NOT_KEY = re.compile(r"[\W_]+")
_SUFFIXES = (".com.vn", ".net.vn", ".org.vn", ".gov.vn", ".edu.vn", ".vn", ".com", ".net", ".org")

# Outlets as their readers name them, by the domain they publish on (subdomains included).
# A polled article is filed under this name, never under its feed's title ("Tin mới nhất -
# VnExpress RSS"); an outlet missing here is named by its pages (og:site_name), else host.
OUTLETS = {
    "vnexpress.net": "VnExpress",
    "tuoitre.vn": "Tuổi Trẻ",
    "thanhnien.vn": "Thanh Niên",
    "dantri.com.vn": "Dân trí",
    "vietnamnet.vn": "VietNamNet",
    "vov.vn": "VOV",
    "nhandan.vn": "Nhân Dân",
    "nld.com.vn": "Người Lao Động",
    "znews.vn": "Znews",
    "zingnews.vn": "Znews",
    "laodong.vn": "Lao Động",
    "tienphong.vn": "Tiền Phong",
    "vietnamplus.vn": "VietnamPlus",
    "baotintuc.vn": "Báo Tin tức",
    "sggp.org.vn": "Sài Gòn Giải Phóng",
    "plo.vn": "Pháp Luật TP.HCM",
    "qdnd.vn": "Quân đội nhân dân",
    "cand.com.vn": "Công an nhân dân",
    "baochinhphu.vn": "Báo Chính phủ",
    "vtv.vn": "VTV",
    "vtc.vn": "VTC News",
    "vietnamfinance.vn": "VietnamFinance",
    "vneconomy.vn": "VnEconomy",
    "cafef.vn": "CafeF",
    "cafebiz.vn": "CafeBiz",
    "kenh14.vn": "Kenh14",
    "soha.vn": "Soha",
    "genk.vn": "GenK",
    "24h.com.vn": "24h",
    "baomoi.com": "Báo Mới",
    "voatiengviet.com": "VOA Tiếng Việt",
    "rfa.org": "RFA",
    "vi.wikinews.org": "Wikinews",
}


def _outlet_of_host(host: str | None) -> str | None:
    host = (host or "").lower().removeprefix("www.")
    while host:
        if host in OUTLETS:
            return OUTLETS[host]
        host = host.partition(".")[2] if "." in host else ""
    return None


def outlet_name(url: str | None, site_name: str | None = None) -> str | None:
    """The outlet an article's address names (OUTLETS), else the page's own site name."""
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", (url or "").strip().lower()).split("/", 1)[0]
    return _outlet_of_host(host.rsplit("@", 1)[-1].split(":", 1)[0]) or site_name or None


class UnknownSource(ValueError):
    """Outlet names that match no source of the archive; ``known`` lists the sources."""

    def __init__(self, names: Iterable[str], known: Iterable[str]):
        self.names = tuple(names)
        self.known = tuple(known)
        super().__init__(f"unknown source {', '.join(self.names)}")

    def listed(self, limit: int = 30) -> str:
        """The known sources for a message: the first limit, then how many more."""
        more = len(self.known) - limit
        return ", ".join(self.known[:limit]) + (f" … (+{more})" if more > 0 else "")


def source_key(name: str) -> str:
    """What a typed outlet name is compared by: folded, lower case, letters and digits."""
    return _NOT_KEY.sub("", fold(normalize(name)))


def outlet_keys(source: str | None) -> frozenset[str]:
    """Every key an outlet answers to: whole name, domain without its ending, without "báo"."""
    if not source:
        return frozenset()
    name = normalize(source).strip()
    keys = {source_key(name)}
    host = name.removeprefix("https://").removeprefix("http://").removeprefix("www.")
    host = host.split("/", 1)[0]
    for suffix in _SUFFIXES:
        if host.endswith(suffix) and len(host) > len(suffix):
            keys.add(source_key(host[: -len(suffix)]))
            break
    words = name.split()
    if len(words) > 1 and fold(words[0]) == "bao":
        keys.add(source_key(" ".join(words[1:])))
    keys.update(_DOMAIN_KEYS.get(source_key(name), ()))  # "nld" for Người Lao Động
    keys.discard("")
    return frozenset(keys)


def _domain_keys() -> dict[str, frozenset[str]]:
    keys: dict[str, set[str]] = {}
    for domain, name in OUTLETS.items():
        stem = next((domain[: -len(x)] for x in _SUFFIXES if domain.endswith(x)), domain)
        keys.setdefault(source_key(name), set()).add(source_key(stem.rsplit(".", 1)[-1]))
    return {k: frozenset(v) for k, v in keys.items()}


_DOMAIN_KEYS = _domain_keys()


def split_sources(text: str) -> tuple[str, tuple[str, ...]]:
    """The text without its source filters, and the outlet names they gave (as typed)."""
    names: list[str] = []

    def take(m: re.Match[str]) -> str:
        quoted, bare = m.group(1), m.group(2)
        names.extend([quoted.strip()] if quoted else [n for n in bare.split("/") if n])
        return " "

    rest = _FILTER.sub(take, text)
    return " ".join(rest.split()), tuple(dict.fromkeys(n for n in names if source_key(n)))


def missing_sources(names: Iterable[str], known: Iterable[str | None]) -> tuple[str, ...]:
    """The names that pick none of the known sources (a topic waits for their articles)."""
    try:
        resolve(names, known)
    except UnknownSource as e:
        return e.names
    return ()


def resolve(names: Iterable[str], known: Iterable[str | None]) -> frozenset[str]:
    """The known sources the names pick; UnknownSource when a name picks none."""
    known = list(dict.fromkeys(k for k in known if k))
    chosen: set[str] = set()
    missing: list[str] = []
    for name in names:
        key = source_key(name)
        picked = [k for k in known if key in outlet_keys(k)]
        if picked:
            chosen.update(picked)
        else:
            missing.append(name)
    if missing:
        raise UnknownSource(missing, known)
    return frozenset(chosen)


def outlet_filter(
    text: str, known: Callable[[], Iterable[str | None]]
) -> tuple[str, frozenset[str] | None]:
    """A question's words, and the known outlets its filters pick (None: no filter).

    known lists the archive's outlets; it is read only when the text names some.
    UnknownSource when a name picks none.
    """
    query, names = split_sources(text)
    if not names:
        return query, None
    return query, resolve(names[:MAX_SOURCES], known())

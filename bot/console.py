"""`newsbot chat`: the bot's conversation in a terminal, no token needed."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from app.search_backend import open_index
from app.settings import Settings
from feeds import FeedRegistry
from index import Article, SearchIndex, UnknownSource, ingest, search_text

from . import commands, parse, render
from .first_run import offer_feeds
from .parse import PAGE_SIZE
from .suggest import suggest
from .texts import VI, Texts, chosen, pick
from .views import hit_views, web_links

__all__ = ["Console", "chat", "sample_dir"]

_QUIT = {"q", "quit", "exit", "/quit", "thoat", "thoát"}
_NEXT = {"n", "next", "sau", "tiep", "tiếp"}
_PREVIOUS = {"p", "prev", "previous", "truoc", "trước"}


class Console:
    """The conversation over an index, one line in, text out (results, paging, full text)."""

    def __init__(self, index: SearchIndex, texts: Texts = VI, style: render.Style = render.PLAIN):
        self.index = index
        self.t = texts
        self.style = style
        self.query: str | None = None
        self.page = 0
        self.listed: list[Article] = []  # the newest articles, when /moi listed them
        self.questions = suggest(index)

    def greeting(self) -> str:
        """What the terminal shows first."""
        # the Telegram help (groups, inline mode) means nothing here: the console's own instead
        welcome = render.welcome(self.t, None, self.questions, style=self.style)
        return f"{welcome}\n\n{self.t.console_help}"

    def handle(self, line: str) -> str | None:
        """The answer to one line, or None to quit."""
        line = line.strip()
        word = line.lower()
        command, _, rest = line.partition(" ")
        command = command.lower().split("@")[0]
        if not line:
            return ""
        if word in _QUIT:
            return None
        if word in _NEXT or word in _PREVIOUS:
            if self.query is None:
                return self.t.console_help
            return self._page(self.page + (1 if word in _NEXT else -1))
        if word.isdigit():
            found = self._numbered(int(word))
            if found is not None:
                return self._read(found)
        known = commands.find(command, console=True) if command.startswith("/") else None
        key = known.key if known else None
        if key in ("start", "help"):
            return self.greeting()
        if key == "latest":
            return self._latest()
        if key == "read":
            found = self.index.get(rest.strip()) if rest.strip() else None
            return self._read(found) if found else self.t.article_missing
        if key == "lang":
            t = chosen(rest)
            if t is None:
                return self.t.usage_lang
            self.t = t
            return t.lang_set
        if key == "search":
            line = rest
        return self._ask(line)

    def _numbered(self, n: int) -> Article | None:
        """Article n of what was listed last: /moi's list, or the results across all pages."""
        if self.listed:
            return self.listed[n - 1] if 1 <= n <= len(self.listed) else None
        if self.query is None or n < 1:
            return None
        hits = self.index.search(self.query, k=1, offset=n - 1).hits
        return hits[0].article if hits else None

    def _ask(self, question: str) -> str:
        query, cut = parse.clip_query(question)
        if not query:
            return self.t.usage_search
        self.query = query
        return self._page(0, cut)

    def _page(self, page: int, cut: bool = False) -> str:
        page = max(page, 0)
        try:
            result = search_text(self.index, self.query or "", PAGE_SIZE, page * PAGE_SIZE)
        except UnknownSource as error:
            return self.t.source_unknown.format(names=", ".join(error.names), known=error.listed())
        if not result.hits and page > 0:  # past the end: stay on the last page
            return f"{self.t.console_last_page}\n{self.t.console_footer}"
        self.page = page
        self.listed = []  # numbers count across pages: _numbered asks the index
        views = hit_views(result.hits, web_links([h.article for h in result.hits]))
        text = render.results(result, self.t, views, style=self.style, cut=cut)
        return f"{text}\n\n{self.t.console_footer}" if result.hits else text

    def _latest(self) -> str:
        self.listed = self.index.latest(PAGE_SIZE)
        return render.latest(self.listed, self.t, web_links(self.listed), style=self.style)

    def _read(self, article: Article) -> str:
        return "\n\n".join(render.article(article, self.t, style=self.style, limit=1 << 30))


def sample_dir() -> Path:
    """The bundled sample archive (next to the package in a checkout)."""
    return Path(__file__).resolve().parent.parent / "samples"


def chat(
    settings: Settings,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    lang: str = "vi",
) -> int:
    """Hold the conversation in the terminal, on the sample archive when the index is empty."""
    texts = pick(lang)
    stdin, out = stdin or sys.stdin, out or sys.stdout
    interactive = getattr(stdin, "isatty", lambda: False)()
    style = render.ANSI if getattr(out, "isatty", lambda: False)() else render.PLAIN
    index = open_index(settings)
    sample_tmp: tempfile.TemporaryDirectory | None = None
    try:
        if not index.latest(1) and not _first_feeds(
            settings, index, stdin, out, texts, interactive
        ):
            index.close()
            sample_tmp = tempfile.TemporaryDirectory(prefix="newsbot-chat-")
            index = SearchIndex.open(Path(sample_tmp.name))
            print(texts.console_sample.format(data=settings.data_dir, path=sample_dir()), file=out)
            ingest(index, [sample_dir()], workers=1)
        console = Console(index, texts, style)
        print(console.greeting(), file=out)
        for line in _lines(stdin, out, console.t.console_prompt if interactive else None):
            answer = console.handle(line)
            if answer is None:
                break
            if answer:
                print(f"{answer}\n", file=out)
                out.flush()
    except KeyboardInterrupt:
        print(file=out)
    finally:
        index.close()
        if sample_tmp is not None:
            sample_tmp.cleanup()
    return 0


def _first_feeds(
    settings: Settings, index: SearchIndex, stdin: TextIO, out: TextIO, t: Texts, asks: bool
) -> bool:
    """The outlets' feeds followed and read on an empty index (first_run.offer_feeds)."""

    def ask(prompt: str) -> str:
        print(prompt, end="", file=out, flush=True)
        return stdin.readline()

    with FeedRegistry.open(settings.data_dir, url=settings.database) as registry:
        return offer_feeds(
            index,
            registry,
            settings.first_feeds,
            sample_dir() / "feeds-vn.opml",
            ask if asks else None,
            out,
            t,
            settings.data_dir,
            allow_private=settings.allow_private_fetch,
        )


def _lines(stdin: TextIO, out: TextIO, prompt: str | None) -> Iterable[str]:
    while True:
        if prompt:
            out.write(prompt)
            out.flush()
        line = stdin.readline()
        if not line:
            return
        yield line

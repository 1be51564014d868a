"""`newsbot chat`: the bot's conversation in a terminal, no token needed."""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import platformdirs

from bot import commands, render
from bot.suggest import suggest
from bot.texts import VI, Texts, chosen, pick
from bot.views import hit_views, web_links
from conversation import PAGE_SIZE, Answers, Conversation, Page
from feeds import FeedRegistry
from index import Article, SearchIndex, UnknownSource, ingest
from storage import open_database

from .first_run import offer_feeds
from .search_backend import open_index
from .settings import Settings

__all__ = ["Console", "chat", "sample_dir"]

_QUIT = {"q", "quit", "exit", "/quit", "thoat", "thoát"}
_NEXT = {"n", "next", "sau", "tiep", "tiếp"}
_PREVIOUS = {"p", "prev", "previous", "truoc", "trước"}
OWNER = 0  # the terminal has one reader


class Console:
    """The conversation over an index, one line in, text out (results, paging, full text)."""

    def __init__(self, index: SearchIndex, texts: Texts = VI, style: render.Style = render.PLAIN):
        # the terminal's one reader keeps its result lists in memory
        self.talk = Conversation(index, Answers(open_database(":memory:")))
        self.t = texts
        self.style = style
        self.qid: str | None = None  # the last question's list
        self.start = 0  # the first result of the page shown
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
            if self.qid is None:
                return self.t.console_help
            return self._page(self.start + (PAGE_SIZE if word in _NEXT else -PAGE_SIZE))
        if word.isdigit() and (self.listed or self.qid is not None):
            return self._numbered(int(word))
        known = commands.find(command, console=True) if command.startswith("/") else None
        key = known.key if known else None
        if key in ("start", "help"):
            return self.greeting()
        if key == "latest":
            return self._latest()
        if key == "read":
            return self._read_command(rest.strip())
        if key == "lang":
            t = chosen(rest)
            if t is None:
                return self.t.usage_lang
            self.t = t
            return t.lang_set
        if key == "search":
            line = rest
        return self._ask(line)

    def _numbered(self, n: int) -> str:
        """Article n of what was listed last: /moi's list, or the question's results."""
        if self.listed:
            found = self.listed[n - 1] if 1 <= n <= len(self.listed) else None
        else:
            found = self.talk.numbered(OWNER, self.qid or "", n)
        return self._read(found) if found else self.t.console_no_number.format(n=n)

    def _read_command(self, ref: str) -> str:
        """/doc N reads result N of the last list; /doc <id> an article by id."""
        if ref.isdigit() and (self.listed or self.qid is not None):
            return self._numbered(int(ref))
        found = self.talk.read(ref) if ref else None
        return self._read(found) if found else self.t.article_missing

    def _ask(self, question: str) -> str:
        try:
            page = self.talk.ask(OWNER, question)
        except UnknownSource as error:
            return self.t.source_unknown.format(names=", ".join(error.names), known=error.listed())
        if page is None:
            return self.t.usage_search
        self.qid, self.listed = page.qid, []
        return self._show(page)

    def _page(self, start: int) -> str:
        page = self.talk.page(OWNER, self.qid or "", max(start, 0))
        if page is None:
            return self.t.expired
        if page.result.offset < start:  # past the end: stay on the last page
            return f"{self.t.console_last_page}\n{self.t.console_footer}"
        self.listed = []  # numbers count across pages: the list of the question
        return self._show(page)

    def _show(self, page: Page) -> str:
        self.start = page.result.offset
        hits = page.result.hits
        views = hit_views(hits, web_links([h.article for h in hits]))
        text = render.results(page.result, self.t, views, style=self.style, cut=page.cut)
        return f"{text}\n\n{self.t.console_footer}" if hits else text

    def _latest(self) -> str:
        self.listed = self.talk.latest(PAGE_SIZE)
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
    index = open_index(settings, semantic=True)
    sample_tmp: tempfile.TemporaryDirectory | None = None
    try:
        if not index.latest(1) and not _first_feeds(
            settings, index, stdin, out, texts, interactive
        ):
            index.close()
            print(texts.console_sample.format(data=settings.data_dir, path=sample_dir()), file=out)
            try:
                index = _sample_index()
            except OSError:  # no writable cache folder: index the sample for this chat only
                sample_tmp = tempfile.TemporaryDirectory(prefix="newsbot-chat-")
                index = SearchIndex.open(Path(sample_tmp.name))
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


def _sample_index() -> SearchIndex:
    """The bundled sample's index: built once in the user's cache folder, then reused."""
    digest = hashlib.sha256()
    for path in sorted(p for p in sample_dir().rglob("*") if p.is_file()):
        digest.update(path.relative_to(sample_dir()).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    # keyed by the sample's content: an edited sample is indexed again, an unchanged one
    # is not (a restart of ./run.sh stays quick)
    home = platformdirs.user_cache_path("newsbot") / f"sample-{digest.hexdigest()[:16]}"
    if not (home / "READY").exists():
        home.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=".sample-", dir=home.parent))
        index = SearchIndex.open(building)
        try:
            ingest(index, [sample_dir()], workers=1)
        finally:
            index.close()
        (building / "READY").touch()
        try:
            building.rename(home)  # whole or not at all, whoever builds it first
        except OSError:
            shutil.rmtree(building, ignore_errors=True)
    return SearchIndex.open(home)


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

"""The bot's commands, listed once: registration, the menus, `newsbot chat` and the tests read this."""

from __future__ import annotations

from dataclasses import dataclass

from .texts import Texts

__all__ = ["COMMANDS", "Command", "find", "menu"]

# where a command is answered
CHATS = "chats"  # private chats and groups
PRIVATE = "private"  # private chats only (operators' commands)
TOPICS = "topics"  # private chats, groups, and posted in a channel by its admins


@dataclass(frozen=True, slots=True)
class Command:
    """One command: its names (Vietnamese first), where it is answered, where it is listed."""

    key: str  # the callback's key in app.CALLBACKS and the menu text's in Texts.commands
    vi: str
    en: str | None = None  # the English name, when it differs
    where: str = CHATS
    menu: bool = True  # in the command menu (setMyCommands), in the menu's order
    console: bool = False  # understood by `newsbot chat` as well

    @property
    def names(self) -> tuple[str, ...]:
        """Every name it answers to."""
        return (self.vi, self.en) if self.en else (self.vi,)

    def name(self, lang: str) -> str:
        """Its name in a language's menu."""
        return self.en if lang == "en" and self.en else self.vi


COMMANDS = (
    Command("search", "tim", "search", console=True),
    Command("latest", "moi", "latest", console=True),
    Command("read", "doc", "read", console=True),
    Command("follow", "theodoi", "subscribe", where=TOPICS),
    Command("unfollow", "huy", "unsubscribe", where=TOPICS),
    Command("topics", "dstheodoi", "subscriptions", where=TOPICS),
    Command("digest", "tomtat", "digest", where=TOPICS),
    Command("start", "start", console=True),
    Command("help", "help", console=True),
    Command("lang", "lang", menu=False, console=True),
    Command("feeds", "nguon", "feeds", where=PRIVATE, menu=False),
    Command("admin", "admin", where=PRIVATE, menu=False),
    Command("broadcast", "broadcast", where=PRIVATE, menu=False),
)


def menu(t: Texts) -> list[tuple[str, str]]:
    """(command, description) of the menu in t's language, for setMyCommands."""
    descriptions = dict(t.commands)
    return [(c.name(t.lang), descriptions[c.key]) for c in COMMANDS if c.menu]


def find(word: str, console: bool = False) -> Command | None:
    """The command a word ("/tim", "/search@bot", "tim") names, if any."""
    name = word.lower().lstrip("/").split("@")[0]
    for c in COMMANDS:
        if name in c.names and (c.console or not console):
            return c
    return None

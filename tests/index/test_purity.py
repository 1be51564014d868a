"""index/ is pure search: it imports neither telegram nor bot, nor anything that fetches."""

import subprocess
import sys

NETWORK = ("telegram", "bot", "feeds", "httpx", "feedparser")


def _imported_by(modules: str) -> list[str]:
    code = (
        f"import sys, importlib, pkgutil; import {modules};"
        "import index;"
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(index.__path__, 'index.')];"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({NETWORK!r}))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_index_never_imports_telegram_bot_or_the_network():
    assert _imported_by("index") == []


def test_the_check_sees_a_network_import():
    assert _imported_by("httpx") == ["httpx"]

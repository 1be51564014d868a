"""A first run on an empty index: the outlets' feeds followed, read with a progress bar."""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = {
    "vne/gia-vang": ("VnExpress", "Giá vàng miếng lập đỉnh mới", "Giá vàng miếng tăng mạnh."),
    "vne/xe-dien": ("VnExpress", "Xe điện bán chạy kỷ lục", "Người mua chọn xe điện nhiều hơn."),
    "tt/mua-lon": ("Tuổi Trẻ", "Mưa lớn gây ngập nhiều tuyến phố", "Mưa lớn kéo dài từ chiều."),
}
FEEDS = {"vne": "Tin mới nhất - VnExpress RSS", "tt": "Tuổi Trẻ Online - Tin mới nhất"}


def page(slug: str) -> bytes:
    site, title, text = PAGES[slug]
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f'<title>{title}</title><meta property="og:site_name" content="{site}">'
        '<meta property="article:published_time" content="2026-12-06T08:00:00+07:00">'
        f"</head><body><article><h1>{title}</h1><p>{text} {text} {text}</p>"
        "<p>Các chuyên gia cho rằng xu hướng này còn kéo dài trong nhiều tháng tới.</p>"
        "</article></body></html>"
    ).encode()


def rss(base: str, feed: str) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>{base}/{slug}.html</link>"
        f"<guid>{base}/{slug}.html</guid><description>{text}</description></item>"
        for slug, (_, title, text) in PAGES.items()
        if slug.startswith(feed + "/")
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{FEEDS[feed]}</title><link>{base}/</link>{items}</channel></rss>"
    ).encode()


@pytest.fixture
def outlets():
    """A local server standing in for the outlets' feeds and pages."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            base = f"http://{self.headers['Host']}"
            path = self.path.strip("/")
            if path.removesuffix(".rss") in FEEDS:
                body, ctype = rss(base, path.removesuffix(".rss")), "application/rss+xml"
            elif path.removesuffix(".html") in PAGES:
                body, ctype = page(path.removesuffix(".html")), "text/html; charset=utf-8"
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def chat(data: Path, opml: Path, questions: str) -> subprocess.CompletedProcess:
    env = {
        "NEWSBOT_DATA_DIR": str(data),
        "NEWSBOT_FIRST_FEEDS": str(opml),
        "NEWSBOT_ALLOW_PRIVATE_FETCH": "true",
        "PATH": "/usr/bin:/bin",
        "TELEGRAM_BOT_TOKEN": "",
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "chat"],
        input=questions + "q\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def test_a_first_run_reads_the_outlets_feeds_and_answers_about_them(tmp_path, outlets):
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        + "".join(
            f'<outline type="rss" text="{t}" xmlUrl="{outlets}/{f}.rss"/>' for f, t in FEEDS.items()
        )
        + "</body></opml>",
        encoding="utf-8",
    )
    done = chat(tmp_path / "data", opml, "giá vàng\nmưa lớn nguồn:tuoitre\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "[########################] 100% 2/2 feeds" in out  # the progress bar, at its end
    gold, rain = out.split("🔎")[1:3]
    assert "1. Giá vàng miếng lập đỉnh mới" in gold and "\nVnExpress · 06/12/2026" in gold
    assert "1. Mưa lớn gây ngập nhiều tuyến phố" in rain and "\nTuổi Trẻ · 06/12/2026" in rain
    assert "kho mẫu" not in out  # the sample was not needed
    # the welcome examples come from what was read
    assert "• " in out.split("🔎")[0]
    # the feeds and their articles stay: the next run starts from them, without asking
    again = chat(tmp_path / "data", opml, "xe điện\n")
    assert "1. Xe điện bán chạy kỷ lục" in again.stdout and "feeds" not in again.stdout


def test_offline_the_first_run_falls_back_to_the_sample(tmp_path):
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline type="rss" text="x" xmlUrl="http://127.0.0.1:9/rss"/></body></opml>',
        encoding="utf-8",
    )
    done = chat(tmp_path / "data", opml, "bánh xèo\n")
    assert done.returncode == 0, done.stderr
    assert "kho mẫu đi kèm" in done.stdout and "1. Bánh xèo" in done.stdout

"""Helpers of the operator tests: a small forwarding HTTP proxy, free ports, `newsbot run`."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A loopback port nothing listens on (right now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen:
    """`python -m app.cli run` with exactly these settings (no TELEGRAM_/WEBHOOK_/NEWSBOT_ leak)."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "NEWSBOT_", "HTTP_PROXY", "HTTPS_PROXY"))
    }
    with open(log, "a") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", "run"],
            cwd=cwd,
            env={**base, "PYTHONPATH": str(ROOT), **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


class HttpProxy:
    """A forwarding proxy for http:// URLs (absolute-form requests); records what it forwards.

    With `upstream`, it is a reverse proxy too: a plain path goes to that base URL.
    """

    def __init__(self, port: int = 0, upstream: str | None = None) -> None:
        self.requests: list[str] = []  # "METHOD url"
        self.lock = threading.Lock()
        self.upstream = upstream
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def __enter__(self) -> HttpProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def seen(self) -> list[str]:
        with self.lock:
            return list(self.requests)


def _handler(proxy: HttpProxy) -> type[BaseHTTPRequestHandler]:
    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _forward(self) -> None:
            path = self.path
            if proxy.upstream and path.startswith("/"):
                path = proxy.upstream.rstrip("/") + path
            target = urlsplit(path)
            if target.scheme != "http" or not target.hostname:
                self.send_error(400, "absolute http:// URLs only")
                return
            with proxy.lock:
                proxy.requests.append(f"{self.command} {path}")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {
                k: v
                for k, v in self.headers.items()
                if k.lower() not in ("proxy-connection", "connection", "keep-alive", "host")
            }
            upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=60)
            try:
                where = target.path + (f"?{target.query}" if target.query else "")
                upstream.request(self.command, where or "/", body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
            except OSError as error:
                self.send_error(502, str(error))
                return
            finally:
                upstream.close()
            self.send_response(answer.status)
            for k, v in answer.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_HEAD = _forward

    return Forward

"""NEWSBOT_OPENSEARCH_CA: a cluster behind TLS is reached with its CA, and refused without it.

The test node speaks plain HTTP; a TLS front on loopback (the standard library's ssl, a
certificate signed by a CA made with openssl here) stands where a secured cluster's
certificate would be.
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from opensearch_node import fresh_index_name

from index.models import Article


def _authority(folder: Path, name: str) -> tuple[Path, Path]:
    """A CA: its certificate and key."""
    key, cert = folder / f"{name}.key", folder / f"{name}.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={name}", "-keyout", key, "-out", cert],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _server_certificate(folder: Path, ca: tuple[Path, Path]) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1, signed by the CA."""
    key, request, cert = folder / "node.key", folder / "node.csr", folder / "node.pem"
    subprocess.run(
        ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
         "-keyout", key, "-out", request],
        check=True, capture_output=True,
    )  # fmt: skip
    names = folder / "names.ext"
    names.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    subprocess.run(
        ["openssl", "x509", "-req", "-in", request, "-CA", ca[0], "-CAkey", ca[1],
         "-CAcreateserial", "-days", "2", "-extfile", names, "-out", cert],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class TlsFront(socketserver.ThreadingTCPServer):
    """TLS on loopback, each connection passed on to the plain node."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream: tuple[str, int], cert: Path, key: Path):
        self.upstream = upstream
        self.handshakes = 0  # connections that trusted the certificate
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(cert, key)
        super().__init__(("127.0.0.1", 0), _Pass)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"https://localhost:{self.server_address[1]}"


class _Pass(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        try:
            inner = self.server.tls.wrap_socket(self.request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # a client that does not trust the certificate hangs up here
        self.server.handshakes += 1
        with inner, socket.create_connection(self.server.upstream) as node:
            back = threading.Thread(target=_pump, args=(node, inner), daemon=True)
            back.start()
            _pump(inner, node)
            back.join(30)


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass


@pytest.fixture
def front(tmp_path, opensearch_url):
    ca = _authority(tmp_path, "newsbot-test-ca")
    node = urlsplit(opensearch_url)
    server = TlsFront((node.hostname, node.port), *_server_certificate(tmp_path, ca))
    yield server, ca[0]
    server.shutdown()
    server.server_close()


def _settings(tmp_path, url: str, ca: Path | None, index: str):
    from app.settings import Settings

    return Settings(
        NEWSBOT_DATA_DIR=tmp_path / "data",
        NEWSBOT_OPENSEARCH_URL=url,
        NEWSBOT_OPENSEARCH_INDEX=index,
        NEWSBOT_OPENSEARCH_CA=ca,
        NEWSBOT_OPENSEARCH_TIMEOUT=10,
        _env_file=None,
    )


def test_the_ca_file_lets_the_bot_reach_a_cluster_over_tls(tmp_path, front):
    from app.search_backend import open_index

    server, ca = front
    name = fresh_index_name()
    index = open_index(_settings(tmp_path, server.url, ca, name))
    try:
        index.add([Article("vang", "Giá vàng tăng mạnh", "Giá vàng SJC tăng 200 nghìn đồng.")])
        assert [h.article.id for h in index.search("giá vàng").hits] == ["vang"]
        assert server.handshakes  # every request went through the TLS front
    finally:
        index.first_stage.client.indices.delete(index=name)
        index.close()


def test_without_its_ca_the_certificate_is_refused(tmp_path, front):
    from app.search_backend import open_index

    server, _ = front
    other, _ = _authority(tmp_path, "another-ca")
    for ca in (None, other):  # the system's CAs, then a CA that did not sign it
        with pytest.raises(Exception, match="(?i)certificate"):
            open_index(_settings(tmp_path / str(ca is None), server.url, ca, fresh_index_name()))

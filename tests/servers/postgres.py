"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, pg_ctl on loopback.

initdb refuses to run as root, so as root the cluster belongs to the `postgres` user and
every PostgreSQL program runs through `runuser -u postgres --`. The server listens on a free
loopback port, keeps its socket in the cluster's folder, trusts loopback connections and
never syncs to disk (a test cluster is worth nothing after the run).
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

__all__ = ["PostgresServer", "find_bin_dir"]

BIN_DIRS = (
    "/usr/lib/postgresql/15/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/14/bin",
)
SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
    " -c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB"
)


def find_bin_dir() -> Path:
    """The folder of initdb and pg_ctl; RuntimeError naming the package when there is none."""
    for candidate in BIN_DIRS:
        if (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise RuntimeError(
        "PostgreSQL is not installed: apt-get install postgresql-15 (./test.sh does)"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One cluster: start() it, make databases with create_database(), stop() it."""

    def __init__(self, bin_dir: Path | None = None):
        self.bin_dir = bin_dir or find_bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="newsbot-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self.running = False
        self._as_root = os.geteuid() == 0
        self._serial = 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = (
                (self.root / "server.log").read_text()
                if (self.root / "server.log").exists()
                else ""
            )
            raise RuntimeError(f"{' '.join(args[:1])} failed: {done.stderr.strip()}\n{log[-2000:]}")

    def start(self) -> PostgresServer:
        """initdb, then pg_ctl start on a free loopback port; waits until it accepts."""
        if self._as_root:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C", "--no-sync",
        )  # fmt: skip
        for attempt in range(3):  # the free port may be taken between the probe and the bind
            self.port = _free_port()
            options = f"-p {self.port} -k {self.root} {SERVER_OPTIONS}"
            try:
                self._run(
                    "pg_ctl", "start", "-D", str(self.data), "-l", str(self.root / "server.log"),
                    "-w", "-t", "60", "-o", options,
                )  # fmt: skip
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        self.running = True
        atexit.register(self.stop)  # an interrupted session stops it too (pg_ctl daemonizes)
        return self

    def halt(self) -> None:
        """Stop the server, keeping its cluster and port (an outage); resume() starts it again."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")
        self.running = False

    def resume(self) -> None:
        """Start a halted server again on the same port."""
        options = f"-p {self.port} -k {self.root} {SERVER_OPTIONS}"
        self._run(
            "pg_ctl", "start", "-D", str(self.data), "-l", str(self.root / "server.log"),
            "-w", "-t", "60", "-o", options,
        )  # fmt: skip
        self.running = True

    def url(self, database: str = "postgres") -> str:
        """The postgresql:// URL of a database of this cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        self._serial += 1
        name = f"test_{os.getpid()}_{self._serial}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by create_database (its open connections are ended)."""
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop the server at once and delete the cluster."""
        atexit.unregister(self.stop)
        if self.running:
            try:
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
            finally:
                self.running = False
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

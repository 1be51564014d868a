"""A real OpenSearch 2.19 node for tests and benchmarks: Maven Central jars, one Java launcher.

deploy/opensearch holds a one-class Maven project (Launcher.java) whose dependencies are the
node and its two plugins. build() runs Maven once (later calls find the jars); a node runs
in its own JVM on loopback, with free ports and a temporary home, and (--watch-stdin) stops
when its standard input closes, so it never outlives the process that started it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "deploy" / "opensearch"
TARGET = PROJECT / "target"
JAR = TARGET / "opensearch-launcher-1.jar"
MAIN = "newsbot.opensearch.Launcher"
START_SECONDS = 240


def build() -> str:
    """The launcher's class path, running Maven first when the jars are missing."""
    TARGET.mkdir(exist_ok=True)
    with open(TARGET / ".build.lock", "w") as lock:  # two test processes build once
        fcntl.flock(lock, fcntl.LOCK_EX)
        source = PROJECT / "src" / "main" / "java" / "newsbot" / "opensearch" / "Launcher.java"
        stale = JAR.exists() and JAR.stat().st_mtime < source.stat().st_mtime
        if stale or not JAR.exists() or not (TARGET / "lib").is_dir():
            mvn = shutil.which("mvn")
            if mvn is None:
                raise RuntimeError("Maven (mvn) is needed to build the OpenSearch launcher")
            subprocess.run([mvn, "-q", "-B", "package"], cwd=PROJECT, check=True)
    return f"{JAR}{os.pathsep}{TARGET / 'lib' / '*'}"


def fresh_index_name() -> str:
    """An OpenSearch index name no other test uses."""
    return f"test-{uuid.uuid4().hex[:12]}"


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OpenSearchNode:
    """One node in its own JVM: start(), url, stop() (or kill() as a crash would)."""

    def __init__(
        self,
        home: Path,
        name: str = "node-1",
        cluster: str = "newsbot-test",
        heap: str = "512m",
        seeds: tuple[int, ...] = (),
        masters: tuple[str, ...] = (),
        watch_stdin: bool = True,
    ):
        self.home, self.name, self.cluster, self.heap = Path(home), name, cluster, heap
        self.http_port, self.transport_port = free_port(), free_port()
        self.seeds, self.masters = seeds, masters
        self.watch_stdin = watch_stdin  # False: as a service, stdin /dev/null, SIGTERM stops it
        self.process: subprocess.Popen | None = None
        self.log = self.home / f"{name}.log"
        self.started_in = 0.0  # seconds from launch to the first answer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def settings(self) -> list[str]:
        """Node settings as the launcher's key=value arguments."""
        out = [
            f"cluster.name={self.cluster}",
            f"node.name={self.name}",
            f"path.home={self.home / self.name}",
            f"path.data={self.home / self.name / 'data'}",
            "network.host=127.0.0.1",
            f"http.port={self.http_port}",
            f"transport.port={self.transport_port}",
            # a nearly full test disk must not turn the indices read-only
            "cluster.routing.allocation.disk.threshold_enabled=false",
            "logger.level=WARN",
        ]
        if self.seeds:
            hosts = ",".join(f"127.0.0.1:{p}" for p in self.seeds)
            out += [
                f"discovery.seed_hosts={hosts}",
                f"cluster.initial_cluster_manager_nodes={','.join(self.masters)}",
            ]
        else:
            out.append("discovery.type=single-node")
        return out

    def launch(self, classpath: str | None = None) -> None:
        """Start the JVM without waiting for the node (wait() does)."""
        self.home.mkdir(parents=True, exist_ok=True)
        command = [
            "java",
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            "-XX:+UseSerialGC",  # two cores shared by everyone: no parallel collector threads
            "-Dlog4j2.disable.jmx=true",
            "-cp",
            classpath or build(),
            MAIN,
            # the node stops when this process (its stdin's writer) goes
            *(["--watch-stdin"] if self.watch_stdin else []),
            *self.settings(),
        ]
        self._began = time.monotonic()
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE if self.watch_stdin else subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait(self, status: str = "yellow", timeout: float = START_SECONDS) -> None:
        """Wait until the node answers with the cluster at status (or raise with its log)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"OpenSearch node {self.name} exited:\n{self.tail()}")
            try:
                with urllib.request.urlopen(
                    f"{self.url}/_cluster/health?wait_for_status={status}&timeout=1s", timeout=5
                ) as r:
                    if json.load(r).get("status") in ("green", status):
                        self.started_in = time.monotonic() - self._began
                        return
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"OpenSearch node {self.name} did not start:\n{self.tail()}")

    def start(self) -> OpenSearchNode:
        """Launch and wait for a one-node cluster."""
        self.launch()
        self.wait()
        return self

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 30) -> None:
        """Stop the node: its stdin closes, it closes itself; killed if it takes too long."""
        p, self.process = self.process, None
        if p is None or p.poll() is not None:
            return
        try:
            if p.stdin is not None:
                p.stdin.close()
            else:
                p.send_signal(signal.SIGTERM)
            p.wait(timeout)
        except (OSError, subprocess.TimeoutExpired):
            p.kill()
            p.wait()

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None

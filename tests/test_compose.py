"""deploy/compose.yaml run as written, without Docker: every service's command, in its conditions.

The image is built as the Dockerfile says (tests/image_kit.py); each service's command runs
from it with the environment the compose file gives (its ${VARIABLES} from a test .env),
its volumes as folders, and the compose hostnames pointing at the test servers: PostgreSQL,
OpenSearch, the local Bot API. Caddy (Debian's package; ./test.sh installs it) terminates
TLS in front of the two replicas; an update posted to it over HTTPS gets its answer. A
command that cannot work in those conditions fails here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml
from image_kit import (
    DOCKERFILE,
    ROOT,
    build_image,
    build_stage_copies,
    files_of,
    installed_extras,
)

pytestmark = pytest.mark.slow

DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
READER = 8801
LONG_RUNNING = ("postgres", "opensearch", "bot-1", "bot-2", "proxy")
ARTICLES = [
    ("Hà Nội mở thêm công viên cây xanh", "Thành phố khánh thành công viên cây xanh rộng 10 ha."),
    ("Giá cà phê tăng mạnh", "Giá cà phê hôm nay tăng mạnh ở Tây Nguyên."),
    ("Bão số 3 đổ bộ vào miền Trung", "Bão số 3 gây mưa lớn ở các tỉnh miền Trung."),
]
OURS = ("migrate", "indexer", "bot-1", "bot-2")  # the services of the newsbot image


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_the_compose_file_declares_restarts_healthchecks_and_the_order():
    services = _compose()["services"]
    assert "feeds" not in services  # the replicas poll the feeds themselves, under one lock
    # every service is run below (the servers' own images stand in as the test servers)
    assert set(services) == {*OURS, *LONG_RUNNING}, set(services)
    for name in LONG_RUNNING:
        assert services[name]["restart"] == "unless-stopped", name
        assert services[name]["healthcheck"]["test"], name
    for name in ("migrate", "indexer"):
        assert services[name]["restart"] == "no", name
    for name in ("bot-1", "bot-2"):
        needs = services[name]["depends_on"]
        assert needs["migrate"] == {"condition": "service_completed_successfully"}
        assert needs["postgres"]["condition"] == needs["opensearch"]["condition"]
        assert services[name]["healthcheck"]["test"][-1] == "/readyz"
    for name in OURS:
        assert services[name]["read_only"] is True and "build" in services[name], name
    assert services["proxy"]["ports"] == ["443:443"]


def test_the_image_copies_every_package_the_project_installs():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages <= set(build_stage_copies(DOCKERFILE.read_text()))


def test_the_dockerfile_is_multi_stage_non_root_with_the_postgres_extra():
    text = DOCKERFILE.read_text()
    assert len(re.findall(r"(?m)^FROM ", text)) >= 2
    users = re.findall(r"(?m)^USER (\S+)", text)
    assert users and users[-1] not in ("root", "0")
    assert "postgres" in installed_extras(text)
    assert re.search(r"(?m)^HEALTHCHECK ", text)
    # every setting the services give is one newsbot reads
    from app.settings import Settings

    known = {f.validation_alias for f in Settings.model_fields.values()}
    for name in OURS:
        named = set(_environment(_compose()["services"][name], {}))
        assert {n for n in named if n.startswith(("NEWSBOT_", "TELEGRAM_", "WEBHOOK_"))} <= known


def _environment(service: dict, dotenv: dict[str, str]) -> dict[str, str]:
    """The service's environment with ${VARIABLES} taken from the .env."""

    def expand(value: object) -> str:
        return re.sub(r"\$\{(\w+)\}", lambda m: dotenv.get(m.group(1), ""), str(value))

    return {k: expand(v) for k, v in (service.get("environment") or {}).items()}


class Stack:
    """The compose file's services as processes, with its names mapped to the test's."""

    def __init__(self, tmp: Path, image: Path, dotenv: dict[str, str], hosts: dict[str, str]):
        self.tmp, self.image, self.dotenv, self.hosts = tmp, image, dotenv, hosts
        self.services = _compose()["services"]
        self.processes: list[subprocess.Popen] = []

    def mounts(self, name: str) -> dict[str, Path]:
        """Each volume's path in the container -> its folder here (created)."""
        out = {}
        for spec in self.services[name].get("volumes", []):
            source, target = spec.split(":")[:2]
            here = (COMPOSE.parent / source).resolve() if source.startswith(".") else None
            if here is None:
                here = self.tmp / "volumes" / source
                here.mkdir(parents=True, exist_ok=True)
            out[target] = here
        if name in OURS:  # the image's own files
            out["/opt/newsbot/healthcheck.py"] = DEPLOY / "healthcheck.py"
        return out

    def rewrite(self, name: str, value: str) -> str:
        """A value as it reads here: mount points as folders, compose hosts as test servers."""
        for target, here in sorted(self.mounts(name).items(), key=lambda m: -len(m[0])):
            value = value.replace(target, str(here))
        for compose_name, test_name in self.hosts.items():
            value = value.replace(compose_name, test_name)
        return value

    def env(self, name: str, **extra: str) -> dict[str, str]:
        keep = {k: os.environ[k] for k in ("LANG", "LC_ALL", "TZ") if k in os.environ}
        env = {
            k: self.rewrite(name, v)
            for k, v in _environment(self.services[name], self.dotenv).items()
        }
        work = self.mounts(name).get("/var/lib/newsbot", self.tmp)
        return {
            **keep,
            "PATH": f"{self.image / 'bin'}:/usr/bin:/bin",
            "HOME": str(work),
            **env,
            **extra,
        }

    def command(self, name: str, key: str = "command") -> list[str]:
        words = (
            self.services[name][key]
            if key == "command"
            else self.services[name]["healthcheck"]["test"][1:]
        )
        return [self.rewrite(name, str(w)) for w in words]

    def run(self, name: str, **extra: str) -> subprocess.CompletedProcess:
        cwd = self.mounts(name).get("/var/lib/newsbot", self.tmp)
        return subprocess.run(
            self.command(name), cwd=cwd, env=self.env(name, **extra),
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip

    def start(self, name: str, log: Path, **extra: str) -> subprocess.Popen:
        cwd = self.mounts(name).get("/var/lib/newsbot", self.tmp)
        with open(log, "a") as out:
            process = subprocess.Popen(
                self.command(name), cwd=cwd, env=self.env(name, **extra),
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.processes.append(process)
        return process

    def healthy(self, name: str, timeout: float = 180, **extra: str) -> None:
        """Run the service's healthcheck until it passes."""
        deadline = time.monotonic() + timeout
        while True:
            done = subprocess.run(
                self.command(name, "healthcheck"), env=self.env(name, **extra),
                capture_output=True, text=True, timeout=30,
            )  # fmt: skip
            if done.returncode == 0:
                return
            assert time.monotonic() < deadline, f"{name} not healthy: {done.stderr}"
            time.sleep(0.5)

    def stop(self) -> list[int]:
        codes = []
        for process in self.processes:
            process.terminate()
            try:
                codes.append(process.wait(30))
            except subprocess.TimeoutExpired:
                process.kill()
                codes.append(process.wait())
        return codes


def test_every_service_runs_as_written(tmp_path, postgres_server, opensearch_url):
    from botapi import ThreadedBotApiServer
    from opensearch_node import free_port, fresh_index_name

    image = build_image(tmp_path / "build")
    before = files_of(image)
    url = postgres_server.create_database()
    database = url.rsplit("/", 1)[1]
    import psycopg

    with psycopg.connect(postgres_server.url(), autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_roles WHERE rolname='newsbot'").fetchone():
            db.execute("CREATE ROLE newsbot LOGIN")
        db.execute(f'ALTER DATABASE "{database}" OWNER TO newsbot')
    ports = {"bot-1": free_port(), "bot-2": free_port(), "proxy": free_port()}
    admin = f"localhost:{free_port()}"
    index = fresh_index_name()
    with ThreadedBotApiServer() as api:
        dotenv = {
            "POSTGRES_PASSWORD": "pw",
            "TELEGRAM_BOT_TOKEN": api.token,
            "WEBHOOK_SECRET": "compose-s3cret",
            "WEBHOOK_DOMAIN": f"localhost:{ports['proxy']}",
        }
        hosts = {
            "@postgres:5432/newsbot": f"@127.0.0.1:{postgres_server.port}/{database}",
            "http://opensearch:9200": opensearch_url,
            "newsbot-articles": index,
            "bot-1:8443": f"127.0.0.1:{ports['bot-1']}",
            "bot-2:8443": f"127.0.0.1:{ports['bot-2']}",
            "localhost:2019": admin,  # Caddy's admin API, which its healthcheck asks
        }
        stack = Stack(tmp_path, image, dotenv, hosts)
        archive = DEPLOY / "archive"
        assert not archive.exists()  # the operator's folder; the test lends one for the run
        archive.mkdir()
        try:
            with open(archive / "news.jsonl", "w") as out:
                for n, (title, body) in enumerate(ARTICLES):
                    out.write(json.dumps({"id": f"a{n}", "title": title, "body": body}) + "\n")
            for _ in range(2):  # a restart, or the next upgrade, runs it again
                done = stack.run("migrate")
                assert done.returncode == 0 and "up to date" in done.stdout, done.stderr
            done = stack.run("indexer")
            assert done.returncode == 0, done.stdout + done.stderr
        finally:
            shutil.rmtree(archive)
        api_url = f"http://127.0.0.1:{api.port}"
        try:
            for name in ("bot-1", "bot-2"):
                stack.start(name, tmp_path / f"{name}.log", TELEGRAM_API_URL=api_url,
                            WEBHOOK_PORT=str(ports[name]))  # fmt: skip
            for name in ("bot-1", "bot-2"):
                stack.healthy(name, WEBHOOK_PORT=str(ports[name]))
            api.add_private_chat(READER, "Reader", language_code="vi")
            update = api.get_update(api.send_text(READER, READER, "công viên cây xanh"))
            # Telegram's side: the update goes through Caddy, as the compose file declares
            assert shutil.which("caddy"), "caddy is not installed: ./test.sh installs it"
            caddy = tmp_path / "volumes" / "caddy"
            stack.start("proxy", tmp_path / "proxy.log", XDG_DATA_HOME=str(caddy),
                        XDG_CONFIG_HOME=str(caddy), CADDY_ADMIN=admin)  # fmt: skip
            stack.healthy("proxy")
            root = caddy / "caddy" / "pki" / "authorities" / "local" / "root.crt"
            answer = _post_through(f"https://localhost:{ports['proxy']}", root, update)
            assert answer.status_code == 200, answer.text
            (reply,) = api.wait_for_messages(READER, 1, timeout=30)
            hooks = api.calls("setWebhook")
        finally:
            codes = stack.stop()
    logs = "".join((tmp_path / f"{n}.log").read_text() for n in ("bot-1", "bot-2"))
    assert "công viên" in reply["text"].lower(), reply["text"]
    assert hooks and all(
        c[1]["url"] == f"https://localhost:{ports['proxy']}/telegram" for c in hooks
    )
    assert codes[:2] == [0, 0], logs
    assert "Traceback" not in logs, logs
    # read_only: the image's files are as installed (Python's bytecode aside)
    assert files_of(image) == before, files_of(image) ^ before


def _post_through(base: str, root_ca: Path, update: dict) -> httpx.Response:
    """Post the update to the proxy once its certificate exists and a replica is healthy."""
    deadline = time.monotonic() + 60
    while True:
        try:
            tls = ssl.create_default_context(cafile=str(root_ca))
            with httpx.Client(verify=tls, timeout=10) as client:
                assert client.get(f"{base}/elsewhere").status_code == 404  # only the webhook
                answer = client.post(
                    f"{base}/telegram", json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": "compose-s3cret"},
                )  # fmt: skip
            if answer.status_code != 502 or time.monotonic() > deadline:
                return answer
        except (httpx.ConnectError, FileNotFoundError, OSError):
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)

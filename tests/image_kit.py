"""What the deployment tests install as the Dockerfile does: a wheel of its COPY lines, in a venv.

No Docker engine here: the build stage is done by hand (the files the Dockerfile copies, a
wheel of them, a fresh venv holding only that wheel), so a file the image would lack is
missing here too. The dependencies come from the test venv through a .pth line (installing
them again would need the network); the checkout itself is on no path.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


def build_stage_copies(dockerfile: str) -> list[str]:
    """The sources the build stage copies (COPY lines before the second FROM)."""
    stages = re.split(r"(?m)^FROM ", dockerfile)
    build = stages[1]
    out = []
    for line in build.splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            out += line.split()[1:-1]
    return out


def installed_extras(dockerfile: str) -> set[str]:
    """The extras of the project's `pip install ".[a,b]"` in the Dockerfile."""
    found = re.search(r'pip install[^\n]*"\.\[([^\]]+)\]"', dockerfile)
    return {e.strip() for e in found.group(1).split(",")} if found else set()


def build_image(where: Path, venv: Path | None = None) -> Path:
    """A venv (where/image) with the project installed from a wheel of what the Dockerfile copies."""
    source = where / "src"
    source.mkdir(parents=True)
    for name in build_stage_copies(DOCKERFILE.read_text()):
        path = ROOT / name
        if path.is_dir():
            # (the C loops built in place are built again, as the image builds them)
            shutil.copytree(
                path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.so")
            )
        else:
            shutil.copy2(path, source / name)
    wheels = where / "wheels"
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(wheels), str(source))  # fmt: skip
    image = venv or where / "image"
    _run(sys.executable, "-m", "venv", "--without-pip", str(image))
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(image), "platbase": str(image)}))
    # the dependencies only: a path added by a .pth line has its own .pth files ignored,
    # so the test venv's editable install of the checkout is not seen
    (purelib / "_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(sys.executable, "-m", "pip", "--python", str(image / "bin" / "python"), "install",
         "-q", "--no-deps", "--no-index", *map(str, wheels.glob("*.whl")))  # fmt: skip
    return image


def files_of(folder: Path) -> set[str]:
    """Every file under a folder but compiled bytecode (Python writes it where it may)."""
    return {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed:\n{done.stdout}\n{done.stderr}")

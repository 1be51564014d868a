"""The engine's inner loops in C (built by setup.py from index/native/*.c)."""

from importlib import import_module
from pathlib import Path
from types import ModuleType

__all__ = ["load"]


def load(name: str) -> ModuleType:
    """The built module index.native.NAME, refused when missing or older than its source."""
    try:
        module = import_module(f"{__name__}.{name}")
    except ImportError as error:  # a checkout used without `pip install -e .`
        raise ImportError(
            f"{error}: the engine's C loops are not built; run `pip install -e .` (needs gcc)"
        ) from error
    # an editable install keeps the source beside the build: after a pull that changed the
    # source, the old build would fail later on a reader's question (a function it lacks)
    source = Path(__file__).with_name(f"{name}.c")
    built = Path(module.__file__ or "")
    if source.exists() and built.exists() and source.stat().st_mtime > built.stat().st_mtime:
        raise ImportError(
            f"{built.name} was built before {source.name} last changed: run `pip install -e .`"
            " again to rebuild the engine's C loops"
        )
    return module

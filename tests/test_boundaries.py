"""The package boundaries: bot/ uses only the index's public API, listed in index.__all__."""

import ast
from pathlib import Path

import index

ROOT = Path(__file__).resolve().parent.parent


def _imports(package: str):
    """(file, module, names) of every import statement in a package."""
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield path, node.module, [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name, []


def test_every_public_name_of_the_index_exists():
    assert index.__all__ == sorted(set(index.__all__))
    for name in index.__all__:
        assert getattr(index, name) is not None, name


def test_bot_imports_only_the_public_names_of_the_index():
    used = set()
    for path, module, names in _imports("bot"):
        if module.split(".")[0] != "index":
            continue
        where = path.relative_to(ROOT)
        assert module == "index", f"{where} imports {module}: use `from index import ...`"
        unknown = sorted(set(names) - set(index.__all__))
        assert not unknown, f"{where} imports {unknown}, not in index.__all__"
        used |= set(names)
    assert "SearchIndex" in used  # the check saw the imports it is about


def test_bot_never_reaches_into_the_index_store():
    for path in sorted((ROOT / "bot").rglob("*.py")):
        text = path.read_text()
        assert "index.store" not in text, path.relative_to(ROOT)

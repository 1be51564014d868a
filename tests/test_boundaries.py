"""The package boundaries: layers from app down to storage (LAYERS), no cycles, public APIs."""

import ast
import re
from pathlib import Path

import feeds
import index

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "bot", "conversation", "embed", "feeds", "search_backends", "index", "storage")


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


def test_every_public_name_exists():
    for package in (index, feeds):
        assert package.__all__ == sorted(set(package.__all__))
        for name in package.__all__:
            assert getattr(package, name) is not None, name


def test_app_bot_and_feeds_import_only_the_public_names_of_the_index_and_the_feeds():
    used = set()
    for where in ("app", "bot", "feeds"):
        for path, module, names in _imports(where):
            package = module.split(".")[0]
            if package not in ("index", "feeds") or package == where:
                continue
            at = path.relative_to(ROOT)
            assert module == package, f"{at} imports {module}: use `from {package} import ...`"
            public = index.__all__ if package == "index" else feeds.__all__
            unknown = sorted(set(names) - set(public))
            assert not unknown, f"{at} imports {unknown}, not in {package}.__all__"
            used |= set(names)
    assert {"SearchIndex", "FeedRegistry", "article_from_html"} <= used  # it saw the imports


def test_bot_never_reaches_into_the_index_store():
    for path in sorted((ROOT / "bot").rglob("*.py")):
        text = path.read_text()
        assert "index.store" not in text and "sql_store" not in text, path.relative_to(ROOT)
        # the handlers go through Subscriptions; only the Sender works on the outbox itself
        if path.name not in ("subscriptions.py", "outbox.py"):
            assert not re.search(r"subscriptions\.(follows|outbox)\b", text), path.relative_to(ROOT)


def _modules() -> dict[str, ast.Module]:
    """Every module of the application packages by dotted name (a package by its own name)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = (path, ast.parse(path.read_text(), str(path)))
    return found


def _module_graph(typing: bool = True) -> dict[str, set[str]]:
    """Module -> the project modules it imports, anywhere in it (TYPE_CHECKING blocks too).

    ``from pkg import name`` is an import of the module pkg.name when there is one, else of
    pkg itself (its __init__).
    """
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, (path, tree) in modules.items():
        is_package = path.name == "__init__.py"
        parts = name.split(".")
        typing_only = {
            id(n)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
            for n in ast.walk(node)
        }
        deps = set()
        for node in ast.walk(tree):
            if not typing and id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = parts if is_package else parts[:-1]
                    base = base[: len(base) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                for alias in node.names:
                    sub = f"{module}.{alias.name}"
                    deps.add(sub if sub in modules else module)
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names}
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of a module graph, or None."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return path[path.index(module) :] + [module]
        if module in done:
            return None
        for dep in sorted(graph.get(module, ())):
            found = visit(dep, path + [module])
            if found:
                return found
        done.add(module)
        return None

    for module in sorted(graph):
        found = visit(module, [])
        if found:
            return found
    return None


# Each package imports only the packages after it: arrows point down, nothing imports app.
LAYERS = ("app", "bot", "conversation", "feeds", "search_backends", "embed", "index", "storage")


def _package_graph() -> dict[str, set[str]]:
    """Top-level package -> the other top-level packages its modules import."""
    graph: dict[str, set[str]] = {p: set() for p in PACKAGES}
    for module, deps in _module_graph().items():
        top = module.split(".")[0]
        graph[top] |= {d.split(".")[0] for d in deps} - {top}
    return graph


def test_no_import_cycle_between_modules():
    graph = _module_graph()
    assert "bot.sending" in graph["bot.outbox"] and "bot.outbox" not in graph["bot.handlers"]
    assert "index.search" in graph["index"]  # TYPE_CHECKING imports count
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle(graph) is None


def test_no_import_cycle_between_packages():
    assert _cycle(_package_graph()) is None


def test_packages_are_layered_from_app_down_to_storage():
    assert sorted(LAYERS) == sorted(PACKAGES)
    assert "bot.app" in _module_graph()["app.application"]  # the check sees the arrows
    found = set()
    for module, deps in _module_graph().items():
        top = module.split(".")[0]
        for dep in deps:
            other = dep.split(".")[0]
            if other != top and LAYERS.index(other) < LAYERS.index(top):
                found.add((module, dep))
    assert found == set(), (
        "imports up the layers: app > bot > conversation > feeds > search backends > embed > index"
        " > storage"
    )


def test_a_submodule_never_imports_its_own_package_init():
    found = {
        (module, dep)
        for module, deps in _module_graph().items()
        for dep in deps
        if module.startswith(dep + ".")
    }
    assert found == set()


def test_no_module_is_over_400_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 400
    }
    assert long == {}


def test_no_private_name_is_imported_from_another_module():
    found = {
        (str(path.relative_to(ROOT)), name)
        for package in PACKAGES
        for path, module, names in _imports(package)
        for name in names
        if name.startswith("_") and not name.startswith("__")
    } | {
        (str(path.relative_to(ROOT)), alias.name)
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.level
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    }
    assert found == set()


def test_the_command_line_is_parsed_in_one_module():
    parsers = {
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path, module, _ in _imports(package)
        if module == "argparse"
    }
    assert parsers == {"app/cli.py"}
    # the commands' implementations live beside it in app/, none below it
    commands = {
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name.startswith("cmd_")
    }
    assert commands == {
        "app/cli_index.py",
        "app/cli_feeds.py",
        "app/cli_check.py",
        "app/cli_migrate.py",
    }

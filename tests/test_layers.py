"""The stages inside retrieval/ import in one direction (docs/architecture.md, "Modules by layer").

sources -> index -> answering -> evaluation -> the service (service.py, settings.py and the
other top-level modules): a module may import its own stage and the stages before it, never a
later one; nothing in a stage imports the service's modules; no two folders import each other,
directly or round a longer circle; and inside retrieval/ imports are relative, so that an import
leads to its file. Every import counts: at the top, inside a function, under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "newsdesk.retrieval"
STAGES = ("sources", "index", "answering", "evaluation")  # in order: each may import those before it
SERVICE = "service"  # retrieval/'s top-level modules: above every stage


def modules(folder: Path, package: str = PACKAGE) -> dict[str, tuple[Path, bool]]:
    """Every module under ``folder`` by dotted name: (its file, whether it is a package)."""
    found = {}
    for path in sorted(folder.rglob("*.py")):
        parts = list(path.relative_to(folder).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join([package, *parts])] = (path, is_package)
    return found


def imports(name: str, path: Path, is_package: bool) -> list[tuple[int, str, bool]]:
    """(line, the module imported, whether it was written relative) for every import of ``path``,
    relative ones resolved; ``from X import y`` counts as X.y when X.y is a module, else X."""
    here = name.split(".") if is_package else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, False) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(here[: len(here) - node.level + 1] + ([node.module] if node.module else []))
            found += [(node.lineno, f"{base}.{alias.name}", bool(node.level)) for alias in node.names]
            found.append((node.lineno, base, bool(node.level)))
    return found


def stage_of(module: str) -> str | None:
    """The stage of a module of the package (a folder in STAGES, else the service); None outside it."""
    if module != PACKAGE and not module.startswith(PACKAGE + "."):
        return None
    rest = module[len(PACKAGE) + 1:].split(".") if module != PACKAGE else []
    return rest[0] if rest and rest[0] in STAGES else SERVICE


def folder_of(module: str, known: dict[str, tuple[Path, bool]]) -> str:
    """The package a module lives in (itself, for a package)."""
    return module if known[module][1] else module.rpartition(".")[0]


def problems(known: dict[str, tuple[Path, bool]]) -> list[str]:
    """Every import against the rules, one line each (empty when there is none)."""
    order = {stage: rank for rank, stage in enumerate((*STAGES, SERVICE))}
    found, edges = [], {}
    for name, (path, is_package) in known.items():
        mine = stage_of(name)
        for line, target, was_relative in imports(name, path, is_package):
            if target not in known:
                continue  # a name inside a module, or outside the package
            where = f"{name}:{line}"
            theirs = stage_of(target)
            if order[theirs] > order[mine]:
                found.append(f"{where}: {mine} imports {target} ({theirs}, a later stage)")
            if not was_relative:
                found.append(f"{where}: {target} imported absolutely; inside {PACKAGE} imports are relative")
            a, b = folder_of(name, known), folder_of(target, known)
            if a != b:
                edges.setdefault(a, set()).add(b)
    found += [f"a circle between folders: {' -> '.join(circle)}" for circle in circles(edges)]
    return found


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One circle through each folder that can reach itself (a folder already shown is not
    shown again)."""
    found, shown = [], set()
    for start in sorted(edges):
        if start in shown:
            continue
        paths, seen = [[start]], {start}
        while paths:
            path = paths.pop()
            for nxt in sorted(edges.get(path[-1], ())):
                if nxt == start:
                    found.append([*path, start])
                    shown |= set(path)
                    paths = []
                    break
                if nxt not in seen:
                    seen.add(nxt)
                    paths.append([*path, nxt])
    return found


def test_the_stages_import_in_one_direction_without_circles():
    known = modules(ROOT / "retrieval")
    assert {f"{PACKAGE}.{stage}" for stage in STAGES} <= set(known)
    assert problems(known) == []


def write(root: Path, files: dict[str, str]) -> dict[str, tuple[Path, bool]]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return modules(root)


@pytest.mark.parametrize(("files", "expected"), [
    ({"sources/files.py": "from ..index import build\n"}, "sources imports newsdesk.retrieval.index.build (index, a later stage)"),
    ({"answering/answer.py": "def f():\n    from ..evaluation.squad import x\n"}, "answering imports newsdesk.retrieval.evaluation.squad"),
    ({"index/build.py": "from newsdesk.retrieval.service import Newsdesk\n"}, "index imports newsdesk.retrieval.service (service"),
    ({"index/build.py": "from newsdesk.retrieval.sources import files\n"}, "imported absolutely"),
    ({"sources/feeds/poll.py": "from ..web import fetch\n", "sources/web/fetch.py": "from ..feeds import poll\n"}, "a circle"),
])
def test_the_check_finds_an_import_against_the_rules(tmp_path, files, expected):
    base = {f"{stage}/__init__.py": "" for stage in STAGES} | {"sources/files.py": "", "sources/feeds/__init__.py": "",
                                                                "sources/web/__init__.py": "", "sources/web/fetch.py": "",
                                                                "sources/feeds/poll.py": "", "index/build.py": "",
                                                                "evaluation/squad.py": "", "service.py": "", "__init__.py": ""}
    found = problems(write(tmp_path, base | files))
    assert any(expected in line for line in found), found
    assert problems(write(tmp_path / "clean", base)) == []


def test_training_is_a_package_that_reaches_nothing_through_sys_path():
    """training/ imports newsdesk's modules as a package: no ``sys.path`` edits, nothing from
    benchmarks/ (what both use lives in the package, e.g. retrieval/evaluation/)."""
    found = []
    for name, (path, is_package) in modules(ROOT / "training", "newsdesk.training").items():
        text = path.read_text()
        if "sys.path" in text:
            found.append(f"{name}: edits sys.path")
        found += [f"{name}:{line}: imports {target}" for line, target, _ in imports(name, path, is_package)
                  if target.split(".")[0] not in ("newsdesk",) and (ROOT / "benchmarks" / f"{target.split('.')[0]}.py").exists()]
    assert found == []


def test_benchmarks_import_no_private_names_of_newsdesk():
    """A benchmark uses newsdesk's public names only: what it needs from a module is that
    module's API, not an underscore name."""
    found = []
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("newsdesk"):
                found += [f"{path.name}:{node.lineno}: {node.module}.{a.name}" for a in node.names
                          if a.name.startswith("_")]
    assert found == []


def test_no_module_is_over_400_lines():
    """A module longer than this holds more than one concern: split it along its seams."""
    long = [f"{path.relative_to(ROOT)}: {n} lines" for folder in ("newsdesk", "retrieval", "embeddings", "bot", "training")
            for path in sorted((ROOT / folder).rglob("*.py")) if (n := len(path.read_text().splitlines())) > 400]
    assert long == []

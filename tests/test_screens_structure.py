"""screens/ stays easy to live in: no import cycles between its modules (counting imports made
only for type checking), small modules, and the app reached through screens/host.py."""

from __future__ import annotations

import ast
from pathlib import Path

SCREENS = Path(__file__).resolve().parent.parent / "screens"


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in SCREENS.rglob("*.py"):
        module = ".".join(path.relative_to(SCREENS.parent).with_suffix("").parts)
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("screens"):
                deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps |= {alias.name for alias in node.names if alias.name.startswith("screens")}
        graph[module] = deps
    return graph


def _cycle_from(graph: dict[str, set[str]], start: str) -> list[str] | None:
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        module, path = stack.pop()
        for dep in graph.get(module, ()):
            if dep == start:
                return [*path, dep]
            if dep not in seen:
                seen.add(dep)
                stack.append((dep, [*path, dep]))
    return None


def test_no_import_cycles_in_screens() -> None:
    graph = _imports()
    assert "screens.app" in graph and "screens.host" in graph
    cycles = [cycle for module in graph if (cycle := _cycle_from(graph, module))]
    assert cycles == []


def test_only_the_entry_point_imports_the_app() -> None:
    graph = _imports()
    importers = sorted(module for module, deps in graph.items() if "screens.app" in deps)
    assert importers == []


def test_modules_stay_small() -> None:
    sizes = {p.name: len(p.read_text().splitlines()) for p in SCREENS.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 400} == {}


def test_links_wrap_only_after_separators_and_stay_whole() -> None:
    from screens.widgets.whole_link import wrap_url

    url = "https://acme-admin.okta.com/admin/app/acme_kandjiscimapp_1/instance/0oa1kandji0000000001/#tab-provisioning"
    lines = wrap_url(url, 60)
    assert "".join(lines) == url
    assert all(len(line) <= 60 for line in lines)
    assert all(line.endswith(("/", "#", "?", "&", "=")) for line in lines[:-1])
    assert wrap_url(url, 200) == [url]

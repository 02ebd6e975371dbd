"""The admin's import graph: no circles among its modules, and no domain imports it (the
admin may import any domain; create_app in app/__init__.py registers its blueprint)."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Modules `path` imports (relative imports resolved; `from x import y` counts x.y when
    y is a module)."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in APP.rglob("*.py")}
    return {name: {m for m in imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_no_domain_imports_the_admin():
    offenders = {
        name: sorted(m for m in deps if m == "app.admin" or m.startswith("app.admin."))
        for name, deps in graph().items()
        if not (name == "app.admin" or name.startswith("app.admin.")) and name != "app"
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_admin_has_no_import_circles():
    edges = {name: deps for name, deps in graph().items() if name.startswith("app.admin")}
    done, path, circles = set(), [], []

    def visit(name: str) -> None:
        if name in path:
            circles.append(path[path.index(name) :] + [name])
            return
        if name in done:
            return
        path.append(name)
        for dep in sorted(edges.get(name, ())):
            if dep.startswith("app.admin"):
                visit(dep)
        path.pop()
        done.add(name)

    for name in sorted(edges):
        visit(name)
    assert circles == []

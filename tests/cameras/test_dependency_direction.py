"""The cameras app sits beside incidents and below dispatch and map (ARCHITECTURE.md): nothing
in it imports them, not even inside a function. What it needs of them comes through
``cameras.response``, installed by the higher apps at start-up."""

from __future__ import annotations

import ast
from pathlib import Path

import safecity.cameras
from safecity.cameras import response

HIGHER = ("safecity.incidents", "safecity.dispatch", "safecity.map", "safecity.alerts")


def _imports(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def test_nothing_in_the_cameras_app_imports_a_higher_app() -> None:
    root = Path(safecity.cameras.__file__).parent
    files = sorted(root.rglob("*.py"))
    assert len(files) > 20  # the whole app was read
    wrong = [
        f"{path.relative_to(root)}:{line} imports {name}"
        for path in files
        for line, name in _imports(path)
        if name.startswith(HIGHER)
    ]
    assert wrong == []


def test_the_higher_apps_have_installed_the_response_at_start_up() -> None:
    from safecity.dispatch.camera_response import CameraResponse

    assert isinstance(response._installed, CameraResponse)  # noqa: SLF001
    assert response._may_open_map is not None  # noqa: SLF001

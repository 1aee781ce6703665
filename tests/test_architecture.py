"""The floors of docs/ARCHITECTURE.md, checked: imports point down, modules stay short.

`make lint` runs `lint-imports` on the tree; these tests show that the contract
really bites (a deliberate upward import breaks it) and check what import-linter
cannot: no module imports another module's private name, none is over 400 lines.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from base.settings import ROOT

PACKAGES = ("base", "ingest", "index", "casechat", "tools")
ENTRY_POINTS = ("chat_app.py", "cli.py", "evaluate.py")
MAX_LINES = 400


def _sources() -> list[Path]:
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    return sorted(files + [ROOT / name for name in ENTRY_POINTS])


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "lint-imports"
    if not exe.is_file():
        pytest.skip("lint-imports is not installed: pip install -e '.[dev]'")
    return subprocess.run(
        [str(exe), "--no-cache"],
        cwd=tree,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The packages, entry points and pyproject.toml in a folder of their own."""
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    for name in (*ENTRY_POINTS, "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_tree_keeps_the_import_contracts(tree_copy: Path) -> None:
    result = _lint_imports(tree_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward", "message"),
    [
        ("ingest/document.py", "from index import fusion", "ingest is not allowed to import index"),
        ("index/fusion.py", "import casechat.wording", "index is not allowed to import casechat"),
        ("casechat/wording.py", "import tools", "casechat is not allowed to import tools"),
        ("base/errors.py", "import ingest.document", "base is not allowed to import ingest"),
        ("casechat/answer.py", "import chat_app", "casechat is not allowed to import chat_app"),
        ("tools/__init__.py", "import cli", "tools is not allowed to import cli"),
    ],
)
def test_an_upward_import_breaks_the_contract(
    tree_copy: Path, module: str, upward: str, message: str
) -> None:
    path = tree_copy / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{upward}  # noqa\n", encoding="utf-8")
    result = _lint_imports(tree_copy)
    assert result.returncode != 0
    assert message in result.stdout


def test_no_module_imports_another_modules_private_name() -> None:
    offences = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                own = node.module.split(".")[0] in {*PACKAGES, "chat_app", "cli", "evaluate"}
                private = [a.name for a in node.names if _is_private(a.name)]
                if own and private and not node.module.endswith("__init__"):
                    offences.append(f"{path.relative_to(ROOT)}: {node.module}.{private}")
    assert offences == []


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in _sources()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}

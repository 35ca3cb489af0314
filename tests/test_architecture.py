"""nncore is the pure-NumPy model: it must never import Qt, pyqtgraph or the gui package."""
import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "gui")


def test_no_forbidden_import_statement_in_nncore():
    offenders = []
    for path in sorted((ROOT / "nncore").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_importing_every_nncore_module_loads_no_qt():
    modules = sorted(p.stem for p in (ROOT / "nncore").glob("*.py") if p.stem != "__init__")
    assert "experiment" in modules
    code = (f"import sys, importlib\n"
            f"for m in {modules!r}: importlib.import_module('nncore.' + m)\n"
            f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
            f"print(bad); sys.exit(1 if bad else 0)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

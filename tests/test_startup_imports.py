"""A headless run imports what only its end needs (run records, summaries, theory, Qt and the
figure panels) while its groups train, not before training starts (issue 13's start-up budget):
the command line and the headless module leave them out."""
import subprocess
import sys
from pathlib import Path

AFTER_TRAINING = ("nncore.results", "nncore.summary", "nncore.theory", "nncore.path_analysis",
                  "gui.background_output", "PySide6.QtCore", "pyqtgraph")


def test_the_command_line_and_the_headless_module_leave_the_end_of_a_run_unimported():
    code = ("import sys, main, nncore.cli, gui.headless; "
            f"print([name for name in {AFTER_TRAINING!r} if name in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


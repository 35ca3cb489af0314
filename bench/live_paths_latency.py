"""Latency of the live 2D paths: from a hyperparameter change to the repainted path.

Opens the main window (offscreen unless QT_QPA_PLATFORM says otherwise) at its default size with
the task "2D paths only" and every registered optimizer ticked, then, for each registered
optimizer and for 29 and 1000 steps, changes that optimizer's 2D learning rate 200 times (a
sweep over its slider's values) and measures, for each change, the time from setting the spin
box (what the slider and typing do) to the moment the re-solved path is on the screen: the
controls' reaction, the paths model's solve on the next pass of the event loop, the new data of
the path, value plot and inspector, and then the 2D plot's first paint event *after* the solve,
until it has been handled. Qt paints every widget of a window that needs it in one pass (the
backing store's flush), so the value plot's and the inspector's repaints are inside the time too.
Prints p50 and p95 per optimizer and step count, and the targets (p95 under 30 ms at 29 steps and
under 100 ms at 1000 steps).

Usage: python bench/live_paths_latency.py [--changes N] [--optimizers SGD,Muon] [--steps 29,1000]
Wall-clock timings depend on the machine's load (other processes take the cores), so the GUI
thread's CPU time per change is printed beside them: it is what the change costs, whatever the
load. "solve p50" is nncore's trace_path of that one path alone (measured after each change,
outside the latency): the part of the latency the GUI cannot shorten. Figures are only
comparable within one invocation; the load average is printed before and after.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time

TARGETS_MS = {29: 30.0, 1000: 100.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200, help="changes per measurement (200)")
    parser.add_argument("--optimizers", default="",
                        help="comma-separated optimizers to change (default: every registered one; "
                             "all of them stay ticked)")
    parser.add_argument("--steps", default="29,1000", help="step counts (default 29,1000)")
    args = parser.parse_args()

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import numpy as np
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    from paint_counter import PaintCounter

    from gui.garbage_collection import collect_in_event_loop
    from gui.hyperparameter_editor import SLIDER_POSITIONS, value_at
    from gui.main_window import MainWindow
    from nncore.optimizers import OPTIMIZERS, create
    from nncore.paths import trace_path
    from nncore.settings import Settings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    collect_in_event_loop()  # garbage collected as in the application (gui.app.run_app)
    store = QSettings(os.path.join(tempfile.mkdtemp(), "bench.ini"), QSettings.Format.IniFormat)
    settings = dataclasses.replace(Settings(), task="paths", optimizers=tuple(OPTIMIZERS))
    window = MainWindow(settings, store)
    window.remember_session = False
    window.show()
    app.processEvents()
    model = window.paths_model

    painted = PaintCounter()
    window.path_panel.plot_widget.viewport().installEventFilter(painted)
    solved = []  # the paint count at each solve: the path is drawn by a later paint event
    model.recordsChanged.connect(lambda _names: solved.append(painted.count))
    failed = False
    changed = [name for name in args.optimizers.split(",") if name] or list(OPTIMIZERS)
    print("load average (1, 5, 15 min): %.2f %.2f %.2f" % os.getloadavg())
    print(f"{'optimizer':<17} {'steps':>5} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} "
          f"{'cpu p95':>8} {'solve p50':>9}  target p95 (wall / cpu)")
    for steps in (int(text) for text in args.steps.split(",")):
        window.controls.steps_spin.setValue(steps)
        while model.pending:
            app.processEvents()
        for name in changed:
            spin = window.findChild(object, f"hp_paths_{name}_lr")
            hp = spin.hp
            window.controls.optimizer_list.setCurrentRow(list(OPTIMIZERS).index(name))
            # A sweep over the slider's upper half (what a user drags), 200 distinct values.
            positions = np.linspace(SLIDER_POSITIONS * 0.35, SLIDER_POSITIONS * 0.65, args.changes)
            latencies, cpu, solves = [], [], []
            before = spin.value()
            for index, position in enumerate(positions):
                value = value_at(hp, int(round(position))) * (1 + 1e-3 * index / args.changes)
                app.processEvents()  # nothing left from the previous change
                solved.clear()
                started, started_cpu = time.perf_counter(), time.thread_time()
                spin.setValue(value)
                while model.pending:
                    app.processEvents()
                if not solved:  # the box kept its value (a rounded repeat): nothing to draw
                    continue
                while painted.count == solved[-1]:
                    app.processEvents()
                latencies.append((time.perf_counter() - started) * 1000)
                cpu.append((time.thread_time() - started_cpu) * 1000)
                # nncore's solve of this path alone (part of the latency), for comparison.
                hyperparameters = dict(model.hyperparameters[name])
                solve_started = time.perf_counter()
                trace_path(model.function, create(name, **hyperparameters), model.start, steps)
                solves.append((time.perf_counter() - solve_started) * 1000)
            # Back to its value: every optimizer is measured with the others at theirs (a path
            # left zigzagging at the sweep's last lr made every later repaint dearer).
            spin.setValue(before)
            while model.pending:
                app.processEvents()
            p50, p95 = np.percentile(latencies, [50, 95])
            cpu50, cpu95 = np.percentile(cpu, [50, 95])
            target = TARGETS_MS[steps]
            failed |= not cpu95 < target
            print(f"{name:<17} {steps:>5} {len(latencies):>4} {p50:>8.1f} {p95:>8.1f} {cpu50:>8.1f} "
                  f"{cpu95:>8.1f} {np.percentile(solves, 50):>9.1f}  "
                  f"< {target:.0f} ms: {'OK' if p95 < target else 'TOO SLOW'} / "
                  f"{'OK' if cpu95 < target else 'TOO SLOW'}", flush=True)
    print("load average (1, 5, 15 min): %.2f %.2f %.2f" % os.getloadavg())
    window.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Where a headless run's time outside training goes (issue 13, target 3).

Runs ``main.py --headless --task mnist --iterations N --out DIR`` in a child process with its
phases timed from outside the app's code (the functions gui.headless calls are wrapped), and
prints, for each phase, wall seconds and the headless process's own CPU seconds (the forked
training processes' CPU is not in it):

- start: from spawning the process to the first line of Python (interpreter start-up);
- imports: NumPy, the command line, nncore and gui.headless (this environment sets
  PYTHONDONTWRITEBYTECODE=1 when it does: then every start compiles the project's sources);
- loading MNIST (from the decompressed copies of nncore.dataset_cache: the bench's own cache
  folder, filled by an unmeasured first run whose loading time is printed too); preparing the
  run (run_mnist before its training clock starts: thread limits, the networks, the test set's
  order, forking the groups); training (run.json's figure: from the forks to the last update,
  the figure modules imported and the loss figure's items made meanwhile);
- drawing the figures (the panels' curves and the pictures, on the main thread, while a
  forked copy of the process writes run.json and the CSVs); waiting for run.json and the
  CSVs (what the copy still had to do then; a thread encodes and writes the PNGs meanwhile);
  waiting for the PNGs; moving the files into place; the exit (from the last line of Python
  to the parent's wait).

Each repeat runs twice, interleaved: with the project's bytecode compiled beforehand (as pip
installs it, and as any run writes it unless PYTHONDONTWRITEBYTECODE is set) and without it
(the __pycache__ folders of nncore/ and gui/ removed: every import compiles the source).

Usage: python bench/headless_phases.py [--iterations 2000] [--repeats 3]
"""
from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHASES = ("start", "imports", "loading MNIST", "preparing the run", "training",
          "drawing the figures", "waiting for run.json and CSVs", "waiting for the PNGs",
          "moving the files in", "exit")


def child(marks_file: str, spawned: float, argv: list[str]) -> None:
    """The headless run with its phases marked; writes [(label, monotonic, CPU s)] as JSON."""
    import resource

    marks: list[tuple[str, float, float]] = []

    def mark(label: str) -> None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        marks.append((label, time.monotonic(), usage.ru_utime + usage.ru_stime))

    marks.append(("spawned", spawned, 0.0))
    mark("python")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import gui.headless as headless
    import main
    mark("imports")
    elapsed: list[float] = []

    def wrapped(name: str, after: str, before=None):
        function = getattr(headless, name)

        def timed(*args, **kwargs):
            if before is not None:
                before()
            result = function(*args, **kwargs)
            mark(after)
            return result
        setattr(headless, name, timed)

    def train(*args, **kwargs):
        history, ended_early = original_train(*args, **kwargs)
        mark("training")
        elapsed.append(history.elapsed)
        return history, ended_early

    original_train = headless.train
    headless.train = train
    def waited(job, label: str) -> None:
        result = job.result

        def marked(self):
            files = result(self)
            mark(label)
            return files
        job.result = marked

    def wait_marks() -> None:
        """Time the waits for the background writers (their module is imported during training,
        and already used when the figures are drawn)."""
        from gui.background_output import BackgroundFiles, BackgroundSave

        if not hasattr(BackgroundSave, "_timed"):
            BackgroundSave._timed = True
            waited(BackgroundFiles, "waiting for run.json and CSVs")
            waited(BackgroundSave, "waiting for the PNGs")

    wrapped("load_mnist", "loading MNIST")
    wrapped("draw_figures", "drawing the figures", before=wait_marks)
    wrapped("commit", "moving the files in")
    original_end = main.end_process

    def end_process(status: int):
        mark("end")
        Path(marks_file).write_text(json.dumps({"marks": marks, "training": elapsed[0]}))
        original_end(status)

    main.end_process = end_process
    sys.argv = ["main.py", *argv]
    main.main()


def measure(iterations: int) -> dict[str, tuple[float, float]]:
    """One headless run: phase -> (wall seconds, CPU seconds of the headless process).
    The dataset cache is the folder in $OPTIMIZER_LAB_CACHE (set by :func:`main`)."""
    with tempfile.TemporaryDirectory() as folder:
        marks_file = str(Path(folder) / "marks.json")
        argv = ["--headless", "--task", "mnist", "--iterations", str(iterations), "--out",
                str(Path(folder) / "out")]
        spawned = time.monotonic()
        subprocess.run([sys.executable, __file__, "--child", marks_file, repr(spawned), *argv],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ended = time.monotonic()
        record = json.loads(Path(marks_file).read_text())
    marks = {label: (at, cpu) for label, at, cpu in record["marks"]}
    at = lambda label: marks[label][0]  # noqa: E731
    cpu = lambda label: marks[label][1]  # noqa: E731
    training_start = at("training") - record["training"]
    def between(label: str, before: str) -> tuple[float, float]:
        return at(label) - at(before), cpu(label) - cpu(before)

    phases = {
        "start": (at("python") - at("spawned"), cpu("python")),
        "imports": (at("imports") - at("python"), cpu("imports") - cpu("python")),
        "loading MNIST": (at("loading MNIST") - at("imports"), cpu("loading MNIST") - cpu("imports")),
        "preparing the run": (training_start - at("loading MNIST"), float("nan")),
        "training": (record["training"], cpu("training") - cpu("loading MNIST")),
        "drawing the figures": between("drawing the figures", "training"),
        "waiting for run.json and CSVs": between("waiting for run.json and CSVs",
                                                 "drawing the figures"),
        "waiting for the PNGs": between("waiting for the PNGs", "waiting for run.json and CSVs"),
        "moving the files in": between("end", "waiting for the PNGs"),
        "exit": (ended - at("end"), float("nan")),
    }
    phases["whole process"] = (ended - at("spawned"), float("nan"))
    return phases


def report(runs: list[dict[str, tuple[float, float]]]) -> float:
    """Print the medians of ``runs``; return the median time outside training."""
    print(f"  {'phase':<28} {'wall s':>7} {'CPU s':>7}   (CPU: the headless process, all its "
          f"threads; training's CPU there is the collecting and the figure's preparation)")
    for phase in (*PHASES, "whole process"):
        wall = statistics.median(run[phase][0] for run in runs)
        cpu = statistics.median(run[phase][1] for run in runs)
        print(f"  {phase:<28} {wall:7.3f} {'' if cpu != cpu else f'{cpu:7.3f}'}")
    outside = statistics.median(run["whole process"][0] - run["training"][0] for run in runs)
    print(f"  {'outside training':<28} {outside:7.3f}   (target < 0.5)")
    return outside


def set_bytecode(compiled: bool) -> None:
    """Compile the project's sources into their __pycache__ folders, or remove those."""
    for package in ("nncore", "gui"):
        if compiled:
            compileall.compile_dir(ROOT / package, quiet=1)
        else:
            shutil.rmtree(ROOT / package / "__pycache__", ignore_errors=True)
    if compiled:
        compileall.compile_file(ROOT / "main.py", quiet=1)
    else:
        shutil.rmtree(ROOT / "__pycache__", ignore_errors=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        return child(sys.argv[2], float(sys.argv[3]), sys.argv[4:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"Headless run, {args.iterations} iterations, medians of {args.repeats}; load average "
          f"{os.getloadavg()[0]:.2f}; PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}")
    cache = tempfile.TemporaryDirectory(prefix="dataset-cache-")
    os.environ["OPTIMIZER_LAB_CACHE"] = cache.name  # inherited by the runs
    first = measure(args.iterations)
    print(f"First run (dataset cache empty: inflating and storing MNIST): loading MNIST "
          f"{first['loading MNIST'][0]:.3f} s wall; the runs below load the stored copies")
    runs: dict[bool, list] = {True: [], False: []}
    for _ in range(args.repeats):
        for compiled in (True, False):
            set_bytecode(compiled)
            runs[compiled].append(measure(args.iterations))
    for compiled, label in ((True, "with the project's bytecode compiled (an installed copy)"),
                            (False, "compiling the project's sources at every start")):
        print(f"\n{label}:")
        report(runs[compiled])
    cache.cleanup()


if __name__ == "__main__":
    main()

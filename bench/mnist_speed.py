"""How fast is the book's MNIST comparison, against PyTorch on the same machine in the same run?

Workload (DESIGN.md, issue 3): 784-100-100-100-100-10 ReLU, He init, batch 128, 2000 iterations,
SGD, Momentum, AdaGrad and Adam at their defaults on the same minibatch every iteration, the
loss of every iteration recorded, test accuracy on the 10,000 test images at iteration 0, every
100 iterations and at the end (the default settings).

Measured, each ``--repeats`` times, interleaved so that background load hits all alike:

- ours: the whole process ``python main.py --headless --task mnist --iterations N --out DIR``
  (wall time from spawn to exit; peak RSS of that process from ``os.wait4``; the training time
  it writes into run.json);
- torch: bench/torch_reference.py with 1 and with 2 threads, whole process the same way (when
  torch is installed: ``pip install optimizer-lab[bench]``);
- GUI: the same settings run from the window (offscreen MainWindow, 1366 x 768): from Start to
  the run's end, through RunThread and the window's training process (a child process on both
  cores at lower priority, updates at 30 Hz), a first run, so starting that process and loading
  MNIST are included; peak RSS is the training process's (the window's own is printed too).

Also printed: the single-core sgemm rate of 128x784 @ 784x100 float32 in this environment (the
rate the app gets; an OPENBLAS_CORETYPE set in the environment is respected) and, for reference,
with OpenBLAS's own choice of kernel; the FLOP count of the workload and the achieved rate, and (unless ``--no-accuracy``) a float64 run of the same seed against float32:
loss curves, accuracy and the book's ordering.

Then, unless ``--no-profile``: where the CPU time goes, per operation (products, blank-pixel
gathers, elementwise work, optimizer updates, evaluations) for one iteration of both groups on one
core, and in the real two-process run the groups' CPU use and the collecting thread's (the
hand-offs); and the CPU time per network-iteration of a group of 12 networks (24 on two cores)
against the book's 2. The summary names issue 13's targets next to the measured ratios.

Usage: python bench/mnist_speed.py [--repeats 3] [--iterations 2000] [--no-torch] [--no-gui]
                                   [--torch-threads 1,2]
                                   [--no-accuracy] [--no-profile]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = (784, 100, 100, 100, 100, 10)
BATCH = 128
OPTIMIZERS = 4
SGEMM_SHAPE = (128, 784, 100)
NICENESS = 10
"""The window's training process's niceness (nncore.training_process.NICENESS; not imported, so
this script's own process stays free of nncore until it measures in-process)."""


def training_flop_per_step(sizes=SIZES, batch=BATCH) -> int:
    """Multiply-adds x 2 of one forward + backward pass of one network on one batch.

    Forward x @ W and backward dW = x^T dy for every layer, dx = dy W^T for all but the first
    (whose input is the data): 2 N (2 sum(in*out) + sum over layers >= 2 of in*out).
    """
    products = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    return 2 * batch * (2 * sum(products) + sum(products[1:]))


def evaluation_flop(sizes=SIZES, images=10_000) -> int:
    """One forward pass of one network over the test set."""
    return 2 * images * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


# -- child-process modes -------------------------------------------------------------------------

def sgemm_seconds(clock=time.perf_counter) -> float:
    """The best time of one 128x784 @ 784x100 float32 product on one thread, by ``clock``
    (time.thread_time: CPU seconds, which other processes disturb less than wall seconds)."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    m, k, n = SGEMM_SHAPE
    rng = np.random.default_rng(0)
    a = rng.random((m, k), dtype=np.float32)
    b = rng.random((k, n), dtype=np.float32)
    out = np.empty((m, n), dtype=np.float32)
    with threadpool_limits(1):
        for _ in range(200):
            np.matmul(a, b, out=out)
        best = float("inf")
        for _ in range(5):
            started = clock()
            for _ in range(500):
                np.matmul(a, b, out=out)
            best = min(best, (clock() - started) / 500)
    return best


def probe_sgemm() -> None:
    """Print the single-core rate of the first layer's product as JSON (child process)."""
    from threadpoolctl import threadpool_info

    m, k, n = SGEMM_SHAPE
    best = sgemm_seconds()
    kernels = [info.get("architecture") for info in threadpool_info() if info["user_api"] == "blas"]
    print(json.dumps({"gflops": 2 * m * k * n / best / 1e9, "microseconds": best * 1e6,
                      "kernel": kernels[0] if kernels else "unknown"}))


def gui_run(iterations: int) -> None:
    """Train from the window as a user does; print JSON (child process of the benchmark).

    An offscreen MainWindow at 1366 x 768 with a temporary QSettings store: Start
    (MainWindow.start -> RunThread.start_run) to the runFinished signal, which includes starting
    the window's training process and loading MNIST in it (a first run). The training process's
    peak RSS is read once the window has closed and reaped it.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import resource

    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow
    from nncore.settings import Settings

    app = QApplication([])
    settings = Settings(task="mnist")
    settings.mnist.iterations = iterations
    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(settings, QSettings(str(Path(folder) / "session.ini"), QSettings.Format.IniFormat))
        window.show_dialogs = False
        window.remember_session = False
        window.resize(1366, 768)
        window.show()
        result: dict = {"updates": 0}
        window.runner.mnistUpdated.connect(lambda *_: result.__setitem__("updates", result["updates"] + 1))
        loop = QEventLoop()

        def finished(completed: bool) -> None:
            result["seconds"] = time.perf_counter() - started
            result["completed"] = completed
            result["window_cpu"] = process_cpu_seconds() - window_cpu
            result["gui_thread_cpu"] = time.thread_time() - gui_thread_cpu
            loop.quit()

        def start() -> None:
            nonlocal started, window_cpu, gui_thread_cpu
            started = time.perf_counter()
            window_cpu, gui_thread_cpu = process_cpu_seconds(), time.thread_time()
            if not window.start():
                loop.quit()

        window_cpu = gui_thread_cpu = 0.0

        started = 0.0
        window.runFinished.connect(finished)
        QTimer.singleShot(200, start)  # let the window lay itself out first
        loop.exec()
        result["training_seconds"] = window.history.elapsed
        window.close()
    app.processEvents()
    result["gui_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["trainer_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(result))


def process_cpu_seconds() -> float:
    """User + system CPU seconds of this process so far, all its threads."""
    import resource
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- measurements --------------------------------------------------------------------------------

def run_process(command: list[str], env: dict | None = None,
                niceness: int = 0) -> tuple[float, float, str]:
    """Run ``command`` to completion (``niceness`` added to its priority): (wall seconds, peak
    RSS in MB of that process, stdout)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.DEVNULL,
                                   preexec_fn=(lambda: os.nice(niceness)) if niceness else None)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        stdout = out.read().decode()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}")
    return seconds, usage.ru_maxrss / 1024, stdout


def sgemm_rates() -> dict[str, dict]:
    """The probe in this environment (what the app gets) and with OpenBLAS's own kernel choice
    (OPENBLAS_CORETYPE removed), when the environment sets one."""
    runs = {"this environment": dict(os.environ)}
    if "OPENBLAS_CORETYPE" in os.environ:
        runs["OpenBLAS's own choice"] = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    rates = {}
    for label, env in runs.items():
        _, _, stdout = run_process([sys.executable, __file__, "--probe-sgemm"], env)
        rates[label] = json.loads(stdout)
    return rates


def compile_bytecode() -> None:
    """Compile the project's sources into __pycache__, as Python does at a program's first run and
    pip at an install (and as PyTorch's are), and say so: an environment that sets
    PYTHONDONTWRITEBYTECODE (this one does) would otherwise make every run compile them again,
    0.05-0.1 s that no user's second run pays (bench/headless_phases.py times both)."""
    import compileall

    for folder in ("nncore", "gui"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    compileall.compile_file(ROOT / "main.py", quiet=1)
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("  bytecode: the project's sources compiled beforehand (this environment sets "
              "PYTHONDONTWRITEBYTECODE, which would make every run compile them)")


def ours(iterations: int, niceness: int = 0) -> dict:
    """The headless whole process; ``niceness``: at the window's training priority (for
    target 4 on a loaded machine, where other processes take more from a niced one)."""
    with tempfile.TemporaryDirectory() as out:
        seconds, rss, _ = run_process([sys.executable, "main.py", "--headless", "--task", "mnist",
                                       "--iterations", str(iterations), "--out", out], niceness=niceness)
        run = json.loads((Path(out) / "run.json").read_text())
    accuracy = {name: values["test_accuracy"][-1][1] for name, values in run["mnist"]["optimizers"].items()}
    training = run["timing"]["mnist_training_seconds"]
    return {"seconds": seconds, "rss": rss, "training": training, "outside": seconds - training,
            "accuracy": accuracy}


def torch_run(threads: int, iterations: int) -> dict:
    seconds, rss, stdout = run_process([sys.executable, "bench/torch_reference.py",
                                        "--threads", str(threads), "--iterations", str(iterations)])
    report = json.loads(stdout)
    return {"seconds": seconds, "rss": rss, "training": report["train_seconds"],
            "accuracy": report["test_accuracy"]}


def gui(iterations: int) -> dict:
    _, _, stdout = run_process([sys.executable, __file__, "--gui-run", str(iterations)])
    report = json.loads(stdout)
    if not report.get("completed"):
        raise RuntimeError(f"the window's run did not complete: {report}")
    return {"seconds": report["seconds"], "rss": report["trainer_peak_rss_mb"],
            "gui_rss": report["gui_peak_rss_mb"], "training": report["training_seconds"],
            "updates": report["updates"], "window_cpu": report["window_cpu"],
            "gui_thread_cpu": report["gui_thread_cpu"]}


def busy_seconds() -> float:
    """CPU-seconds all processes have used since boot (Linux /proc/stat; 0 elsewhere)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    ticks = [int(v) for v in fields[:8]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # minus idle, iowait


def own_seconds() -> float:
    """CPU-seconds used by this process and its finished children."""
    import resource
    return sum(getattr(resource.getrusage(who), field)
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for field in ("ru_utime", "ru_stime"))


def summarise(label: str, runs: list[dict]) -> dict:
    times = [r["seconds"] for r in runs]
    trainings = [r["training"] for r in runs]
    summary = {"median": statistics.median(times), "training": statistics.median(trainings),
               "rss": max(r["rss"] for r in runs)}
    print(f"  {label:<22} runs {' '.join(f'{t:6.2f}' for t in times)} s   median {summary['median']:6.2f} s"
          f"  (training {summary['training']:5.2f} s)   peak RSS {summary['rss']:6.1f} MB")
    return summary


def cpu_model() -> str:
    """The CPU's model name (Linux /proc/cpuinfo; the platform's word elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform
    return platform.processor() or "unknown CPU"


# -- where the time goes -------------------------------------------------------------------------

class _Timer:
    """CPU seconds of this thread spent in wrapped callables, by category."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, category: str, function):
        def timed(*args, **kwargs):
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[category] = self.seconds.get(category, 0.0) + time.thread_time() - started
        return timed


def _flagged(flag: list[bool], function):
    """``function`` with ``flag[0]`` True while it runs."""
    def flagged(*args, **kwargs):
        flag[0] = True
        try:
            return function(*args, **kwargs)
        finally:
            flag[0] = False
    return flagged


def profile_groups(iterations: int) -> None:
    """Per operation, CPU time of one iteration of the book's run (both groups, one thread, as
    ``_Group.train`` runs them, layer statistics included) and of its evaluations (with their
    diagnostics); then whether the real two-process run keeps both cores busy."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    import nncore.engine as engine
    from nncore.data import load_mnist
    from nncore.experiment import _make_groups, evaluation_order
    from nncore.settings import Settings

    settings = Settings(task="mnist")
    data = load_mnist()
    (x_train, t_train), (x_test, t_test) = data
    order = evaluation_order(x_test)
    x_test, t_test = x_test[order], t_test[order]  # as run_mnist evaluates them
    timer = _Timer()
    real_numpy = engine.np

    inside_first_layer = [False]
    timed_matmul = timer.wrap("products (matmul)", np.matmul)
    first_layer_matmul = timer.wrap("first layer dW product", timed_matmul)

    class TimedNumpy:  # the engine's numpy, with its products and gathers timed
        take = staticmethod(timer.wrap("blank-pixel gather and scatter", np.take))

        @staticmethod
        def matmul(*args, **kwargs):
            return (first_layer_matmul if inside_first_layer[0] else timed_matmul)(*args, **kwargs)

        def __getattr__(self, name):
            return getattr(np, name)

    class EvaluationNumpy:  # during evaluations: only the products, counted apart
        matmul = staticmethod(timer.wrap("evaluation products", np.matmul))

        def __getattr__(self, name):
            return getattr(np, name)

    steps = 220
    rng = np.random.default_rng(0)
    batches = [rng.integers(0, len(x_train), size=128) for _ in range(steps)]
    losses = np.zeros((OPTIMIZERS, steps))
    engine.np = TimedNumpy()
    try:
        with threadpool_limits(1):
            for group in _make_groups(settings, x_train.shape[1], 2, 128, np.float32, diagnostics=True):
                stack = group.stack
                stack.gradients = timer.wrap("forward + backward", stack.gradients)
                stack._first_layer_grad = timer.wrap("first layer dW (incl. scatter)",
                                                     _flagged(inside_first_layer, stack._first_layer_grad))
                stack.gradients_finite = timer.wrap("finiteness check", stack.gradients_finite)
                for optimizer in stack.optimizers:
                    optimizer.update = timer.wrap(f"update: {type(optimizer).__name__}", optimizer.update)
                timer.wrap("training loop", group.train)(1, batches, x_train, t_train, losses)
                engine.np = EvaluationNumpy()
                timer.wrap("evaluations", group.evaluate)(x_test, t_test, steps)
                engine.np = TimedNumpy()
    finally:
        engine.np = real_numpy
    seconds = timer.seconds
    evaluations = iterations // 100 + 1 + (iterations % 100 != 0)
    per_iteration = {k: v / steps for k, v in seconds.items() if k not in ("evaluations", "evaluation products")}
    # The first layer's dW: its product is in "products", the rest is the scatter into dW1.
    first_layer = per_iteration.pop("first layer dW (incl. scatter)")
    gradients = per_iteration.pop("forward + backward")
    loop = per_iteration.pop("training loop")
    products = per_iteration["products (matmul)"]
    first_layer_product = seconds["first layer dW product"] / steps
    per_iteration.pop("first layer dW product")
    per_iteration["blank-pixel gather and scatter"] += first_layer - first_layer_product
    per_iteration["elementwise (biases, activations, softmax, scaling, sums)"] = (
        gradients - products - per_iteration["blank-pixel gather and scatter"])
    per_iteration["loss bookkeeping, divergence watch, layer statistics (every 10th)"] = (
        loop - gradients - per_iteration["finiteness check"]
        - sum(v for k, v in per_iteration.items() if k.startswith("update: ")))
    amortised = evaluations / iterations
    per_iteration["evaluations: products"] = seconds["evaluation products"] * amortised
    per_iteration["evaluations: the rest (gathers, biases, ReLU, argmax, diagnostics)"] = (
        (seconds["evaluations"] - seconds["evaluation products"]) * amortised)
    total = sum(per_iteration.values())
    print(f"\nWhere the CPU time goes: one iteration of both groups on one core (CPU ms, "
          f"mean of {steps}; evaluations: {evaluations} per {iterations} iterations, amortised)")
    for label, value in sorted(per_iteration.items(), key=lambda item: -item[1]):
        print(f"  {label:<68} {1000 * value:6.2f} ms  {value / total:5.1%}")
    print(f"  {'total':<68} {1000 * total:6.2f} ms = {iterations * total:.2f} s of CPU for the run")
    products = per_iteration["products (matmul)"] + per_iteration["evaluations: products"]
    m, k, n = SGEMM_SHAPE
    probe = 2 * m * k * n / sgemm_seconds(time.thread_time) / 1e9
    work = dense_gflop_per_iteration(iterations)
    print(f"  per CPU-second (load-independent), against the sgemm probe timed the same way now "
          f"({probe:.0f} GFLOP/s): two cores doing this would reach {work / (total / 2):.0f} "
          f"GFLOP/s dense-equivalent = {work / (total / 2) / probe:.0%} of one core's sgemm rate "
          f"(target >= 170 %); the products alone (training and evaluations, "
          f"{1000 * products:.2f} ms) {work / (products / 2):.0f} GFLOP/s = "
          f"{work / (products / 2) / probe:.0%}")
    concurrency(iterations, data)


def dense_gflop_per_iteration(iterations: int) -> float:
    """The bench's dense-equivalent GFLOP of one iteration of the book's run (4 networks),
    evaluations amortised over ``iterations``."""
    evaluations = iterations // 100 + 1 + (iterations % 100 != 0)
    return (training_flop_per_step() * OPTIMIZERS
            + evaluation_flop() * OPTIMIZERS * evaluations / iterations) / 1e9


def _schedstat(pid: int) -> tuple[float, float] | None:
    """(CPU seconds, seconds spent runnable but waiting for a CPU) of process ``pid`` so far
    (Linux /proc/PID/schedstat); None once it has gone."""
    try:
        cpu, waiting, _ = Path(f"/proc/{pid}/schedstat").read_text().split()
    except (OSError, ValueError):
        return None
    return int(cpu) / 1e9, int(waiting) / 1e9


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def concurrency(iterations: int, data) -> None:
    """The real run (run_mnist with two forked groups): for each group process, its lifetime,
    CPU time, time runnable but waiting for a CPU (other processes), and the rest: blocked
    (on the pipe to the collecting process) or already finished; and the collector's CPU."""
    import threading

    from nncore.experiment import run_mnist
    from nncore.settings import Settings

    short = Settings(task="mnist")
    short.mnist.iterations = iterations
    seen: dict[int, dict] = {}
    stop = threading.Event()

    def watch() -> None:  # polls the group processes every 5 ms while they live
        while not stop.is_set():
            for pid in _children(os.getpid()):
                state = _schedstat(pid)
                if state is not None:
                    now = time.perf_counter()
                    record = seen.setdefault(pid, {"first": now})
                    record.update(last=now, cpu=state[0], waiting=state[1])
            time.sleep(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    wall, collector = time.perf_counter(), time.thread_time()  # run_mnist runs on this thread
    for _ in run_mnist(short, data, min_interval=0.1, compute_threads=2):
        pass
    wall, collector = time.perf_counter() - wall, time.thread_time() - collector
    stop.set()
    watcher.join()
    print(f"\nBoth cores? The real run (run_mnist, two forked groups, {iterations} iterations) took "
          f"{wall:.2f} s; per group process (from /proc/PID/schedstat, polled every 5 ms):")
    busy = 0.0
    for number, record in enumerate(seen.values(), start=1):
        life = record["last"] - record["first"]
        blocked = max(0.0, life - record["cpu"] - record["waiting"])
        busy += record["cpu"]
        print(f"  group {number}: alive {life:5.2f} s, on a CPU {record['cpu']:5.2f} s, waiting for a "
              f"CPU {record['waiting']:5.2f} s, blocked {blocked:5.2f} s ({blocked / life:.1%})")
    print(f"  the collecting process (receiving and merging the spans, updates): {collector:.2f} CPU-s; "
          f"the groups used {busy:.2f} CPU-s = {busy / (2 * wall):.0%} of two cores over the run")
    slowest = max(record["cpu"] + max(0.0, record["last"] - record["first"] - record["cpu"] - record["waiting"])
                  for record in seen.values())
    rate = dense_gflop_per_iteration(iterations) * iterations / slowest
    print(f"  with a core each and nothing else running, the run would take the slower group's CPU "
          f"and blocked time, {slowest:.2f} s: {rate:.0f} GFLOP/s dense-equivalent "
          f"(load-independent estimate for target 2; compare with the sgemm probe)")


def many_networks(repeats: int = 3) -> None:
    """CPU time per network-iteration of one group of 2 networks (the book's run: 4 networks
    on 2 cores) and of 12 (8 entries x 3 repeats = 24 networks on 2 cores), same thread."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    from nncore.data import load_mnist
    from nncore.engine import NetworkStack
    from nncore.experiment import build_networks
    from nncore.optimizers import create
    from nncore.settings import Settings

    (x_train, t_train), _ = load_mnist()
    settings = Settings(task="mnist")
    networks = build_networks(settings, x_train.shape[1])
    cycle = ("SGD", "Adam", "Momentum", "AdaGrad")  # the book's groups: {SGD, Adam}, {Momentum, AdaGrad}
    rng = np.random.default_rng(0)
    batches = [rng.integers(0, len(x_train), size=128) for _ in range(60)]
    rates = {}
    with threadpool_limits(1):
        for count in (2, 12):
            names = [cycle[i % 4] for i in range(count)]
            stack = NetworkStack([networks[n].params for n in names], [create(n) for n in names],
                                 batch_size=128)
            best = float("inf")
            for _ in range(repeats):
                started = time.thread_time()
                for index in batches:
                    stack.gradients(x_train[index], t_train[index])
                    stack.gradients_finite()
                    for i in range(stack.count):
                        stack.update(i)
                best = min(best, (time.thread_time() - started) / (len(batches) * count))
            rates[count] = best
    print(f"\nMany networks: CPU time per network-iteration, one group on one core: 2 networks "
          f"(the book's run per core) {1e3 * rates[2]:.3f} ms, 12 networks (24 on two cores) "
          f"{1e3 * rates[12]:.3f} ms: ratio {rates[12] / rates[2]:.2f} (target <= 1)")


# -- float32 vs float64 ----------------------------------------------------------------------------

def accuracy_check(iterations: int) -> None:
    """float32 (the app) against float64 on the same seed; the book's ordering after training."""
    import numpy as np

    from nncore.data import load_mnist
    from nncore.experiment import run_mnist
    from nncore.settings import Settings
    from nncore.smoothing import smooth_curve

    settings = Settings(task="mnist")
    settings.mnist.iterations = iterations
    data = load_mnist()

    def history(dtype):
        generator = run_mnist(settings, data, dtype=dtype, compute_threads=2)
        while True:
            try:
                next(generator)
            except StopIteration as done:
                return done.value

    single, double = history(np.float32), history(np.float64)
    print(f"\nfloat32 vs float64, same seed, {iterations} iterations:")
    print(f"  {'optimizer':<10} {'max |dloss| first 100':>22} {'max |dloss| smoothed':>21} "
          f"{'acc f32':>8} {'acc f64':>8}")
    span = max(np.nanmax(h.losses[n]) for h in (single, double) for n in single.names)
    worst = 0.0
    for name in single.names:
        a, b = single.losses[name], double.losses[name]
        early = float(np.max(np.abs(a[:100] - b[:100])))
        smooth = float(np.max(np.abs(smooth_curve(a) - smooth_curve(b))))
        worst = max(worst, smooth)
        print(f"  {name:<10} {early:22.2e} {smooth:21.4f} {single.accuracies[name][-1][1]:8.2%} "
              f"{double.accuracies[name][-1][1]:8.2%}")
    print(f"  largest smoothed-curve difference: {worst:.4f} = {worst / span:.2%} of the loss axis "
          f"(0 to {span:.2f}); a pixel of a 400 px high plot is 0.25 %")
    final = {n: single.accuracies[n][-1][1] for n in single.names}
    slowest = min(final, key=final.get)
    others_ok = all(final[n] >= 0.955 for n in final if n != "SGD")
    print(f"  book's ordering: SGD slowest: {'yes' if slowest == 'SGD' else 'NO'}; Momentum, AdaGrad,"
          f" Adam >= 95.5 %: {'yes' if others_ok else 'NO'}")


# -- main ----------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--torch-threads", default="1,2",
                        help="the reference's thread counts (on a loaded machine its 2-thread run "
                             "can take over 10 minutes: 1 alone)")
    parser.add_argument("--no-gui", action="store_true")
    parser.add_argument("--no-accuracy", action="store_true")
    parser.add_argument("--no-profile", action="store_true",
                        help="skip the per-operation profile and the many-networks measurement")
    parser.add_argument("--probe-sgemm", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--gui-run", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe_sgemm:
        return probe_sgemm()
    if args.gui_run:
        return gui_run(args.gui_run)

    with_torch = not args.no_torch and find_spec("torch") is not None
    print(f"Optimizer Lab MNIST benchmark: {args.iterations} iterations x {OPTIMIZERS} optimizers, "
          f"{args.repeats} repeats, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"  machine: {cpu_model()}")
    rates = sgemm_rates()
    if "OPENBLAS_CORETYPE" in os.environ:
        print(f"  the environment sets OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} "
              "(respected by the app and by this benchmark's runs)")
    for label, rate in rates.items():
        print(f"  sgemm {'x'.join(map(str, SGEMM_SHAPE))} float32, 1 thread, {label:<21} "
              f"({rate['kernel']}): {rate['microseconds']:6.1f} us = {rate['gflops']:6.1f} GFLOP/s")
    if not with_torch:
        print("  no reference run: " + ("--no-torch" if args.no_torch else
                                        "torch not installed (pip install optimizer-lab[bench])"))

    torch_threads = [int(t) for t in args.torch_threads.split(",")]
    torch_labels = {t: f"torch {t} thread{'s' if t > 1 else ''}" for t in torch_threads}
    results: dict[str, list[dict]] = {"ours": [], **{label: [] for label in torch_labels.values()},
                                      "gui": []}
    niced: list[dict] = []
    """Headless runs at the window's training priority, after each window run."""
    from nncore.data import load_mnist
    from nncore.dataset_cache import cache_folder
    load_mnist()  # the runs below map the decompressed copies, as every run after the first does
    print(f"  MNIST: decompressed copies in {cache_folder()} (nncore.dataset_cache)")
    compile_bytecode()
    others_before = busy_seconds() - own_seconds()
    wall = time.perf_counter()
    for repeat in range(args.repeats):
        results["ours"].append(ours(args.iterations))
        if with_torch:
            for threads, label in torch_labels.items():
                results[label].append(torch_run(threads, args.iterations))
        if not args.no_gui:
            results["gui"].append(gui(args.iterations))
            niced.append(ours(args.iterations, NICENESS))
        print(f"  repeat {repeat + 1}: " + ", ".join(f"{k} {v[-1]['seconds']:.2f} s"
                                                      for k, v in results.items() if v))

    wall = time.perf_counter() - wall
    print("\nWhole process, spawn to exit (GUI: Start to the run's end; its RSS: the training process):")
    summary = {label: summarise(label, runs) for label, runs in results.items() if runs}
    ours_summary = summary["ours"]
    train_flop = training_flop_per_step() * OPTIMIZERS * args.iterations
    evaluations = args.iterations // 100 + 1 + (args.iterations % 100 != 0)
    eval_flop = evaluation_flop() * OPTIMIZERS * evaluations
    best_rate = rates["this environment"]["gflops"]
    print(f"\nWork: {training_flop_per_step() / 1e6:.1f} MFLOP per optimizer per iteration (dense), "
          f"{train_flop / 1e12:.3f} TFLOP of training + {eval_flop / 1e12:.3f} TFLOP in "
          f"{evaluations} test evaluations")
    for label in ("ours", "gui"):
        if label in summary:
            rate = (train_flop + eval_flop) / summary[label]["training"] / 1e9
            print(f"  {label}: {rate:6.1f} GFLOP/s (dense-equivalent: blank pixels skipped count as done) "
                  f"during training = {rate / best_rate:.0%} of one core's sgemm rate ({best_rate:.0f})")
    print(f"  at that sgemm rate the dense work takes {(train_flop + eval_flop) / best_rate / 1e9:.2f} s "
          f"on one core")
    if with_torch:
        fastest = min(torch_labels.values(), key=lambda k: summary[k]["median"])
        reference = summary[fastest]["median"]
        print(f"\nRatio to {fastest} ({reference:.2f} s, the faster; its training loop alone "
              f"{summary[fastest]['training']:.2f} s):")
        print(f"  ours (headless, whole process): {ours_summary['median'] / reference:.2f}"
              f"   target <= 0.4")
        if "gui" in summary:
            print(f"  GUI-driven run:                 {summary['gui']['median'] / reference:.2f}"
                  f"   (against torch's training loop alone: "
                  f"{summary['gui']['median'] / summary[fastest]['training']:.2f})")
    print(f"\nPeak RSS: ours {ours_summary['rss']:.0f} MB (target <= 300)"
          + (f", GUI's training process {summary['gui']['rss']:.0f} MB (the window's own process "
             f"{max(r['gui_rss'] for r in results['gui']):.0f} MB)" if "gui" in summary else "")
          + (f", torch {max(summary[k]['rss'] for k in summary if k.startswith('torch')):.0f} MB"
             if with_torch else ""))
    print("Test accuracy at the end (ours, last run): "
          + ", ".join(f"{n} {a:.2%}" for n, a in results["ours"][-1]["accuracy"].items()))
    print("\nIssue 13's targets (medians of this invocation):")
    if with_torch:
        print(f"  1. headless whole process / torch's best whole process: "
              f"{ours_summary['median'] / reference:.2f} (<= 0.4); / torch's best training loop: "
              f"{ours_summary['median'] / min(summary[k]['training'] for k in summary if k.startswith('torch')):.2f}"
              f" (<= 0.5); peak RSS {ours_summary['rss']:.0f} MB (<= 300)")
    rate = (train_flop + eval_flop) / ours_summary["training"] / 1e9
    print(f"  2. during training {rate / best_rate:.0%} of one core's sgemm rate (>= 170 %)")
    outside = statistics.median(r["outside"] for r in results["ours"])
    print(f"  3. headless time outside training (whole process - run.json's training): {outside:.2f} s (< 0.5)")
    if "gui" in summary:
        print(f"  4. window Start to end / headless training: "
              f"{summary['gui']['median'] / ours_summary['training']:.2f} (<= 1.1); the event loop's "
              f"longest stall: bench/gui_responsiveness.py")
        niced_training = statistics.median(r["training"] for r in niced)
        print(f"     against the headless training at the training process's niceness (+{NICENESS}, as "
              f"other processes take from it alike): {summary['gui']['median'] / niced_training:.2f}")
        window_cpu = statistics.median(r["window_cpu"] / r["seconds"] for r in results["gui"])
        gui_thread_cpu = statistics.median(r["gui_thread_cpu"] / r["seconds"] for r in results["gui"])
        print(f"     the window's process used {window_cpu:.0%} of one core from Start to the end (its GUI "
              f"thread {gui_thread_cpu:.0%}): on two otherwise idle cores its training processes "
              f"get the rest, a ratio of about {2 / (2 - window_cpu):.2f} (independent of other load)")
    others = busy_seconds() - own_seconds() - others_before
    print(f"Other processes used {others:.1f} CPU-seconds during the {wall:.0f} s of timings"
          + (": they shared the CPUs and distort the times (torch with 2 threads most of all); "
             "rerun on a quiet machine." if others > 0.05 * wall else "."))
    if not args.no_profile:
        profile_groups(args.iterations)
        many_networks()
    if not args.no_accuracy:
        accuracy_check(args.iterations)


if __name__ == "__main__":
    main()

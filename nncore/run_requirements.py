"""What an MNIST run needs before it starts: data that fits the settings, memory, disk space.

One estimate serves every caller: the headless run refuses a run that cannot fit (exit 2, one
line) before anything is trained or written, and :func:`nncore.experiment.run_mnist` checks the
same before it allocates, so the window's training process reports the same message instead of
a MemoryError half-way.

Memory (bytes; ``G`` optimizers, ``P`` parameters per network, ``s`` the float size, 4 for
float32; ``B`` the batch, ``D`` pixels per image, ``H`` the sum of the hidden sizes, ``T`` the
iterations):

- networks: ``G * P * s`` for the initial weights, ``2 * G * P * s`` for the stacked parameters
  and gradients, ``k * P * s`` per optimizer holding ``k`` parameter-sized arrays (state and work
  buffers, counted by running the optimizer once on a small vector);
- buffers of a forward/backward pass, for the batch and for an evaluation chunk of
  ``EVAL_CHUNK`` images: ``rows * D * (2 s + 1)`` (the scaled pixels, and the gathered pixels
  with their float copy) + ``G * D * h1 * s`` + ``2 * G * rows * H * s`` + ``G * rows * H``
  (ReLU masks) + ``2 * G * 11 * rows * s``;
- data: a sorted copy of the test images and, while sorting, a lit-pixel mask of them
  (``2 * N_test * D`` bytes);
- curves: ``2 * G * T * 8`` (the run's loss table and its history), and writing run.json and the
  CSVs at the end, ``WRITE_BYTES_PER_VALUE`` per recorded loss.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .data import NUM_CLASSES
from .optimizers import create
from .settings import Settings

WRITE_BYTES_PER_VALUE = 200
"""Peak memory per recorded loss while run.json and the CSVs are written: a Python float in a
list (32 B), the CSV writer's and the JSON encoder's pieces of text, the text and its UTF-8 bytes
(about 20 B each). Measured 148 B with tracemalloc on 2 x 100,000 losses."""

OUTPUT_BYTES_PER_LOSS = 42
"""Disk per recorded loss: about 20 B in run.json (each curve on one line, numbers separated by
commas) and 20 B in losses.csv (measured 39.2 B on 4 x 100,000 losses)."""
OUTPUT_BYTES_PER_POINT = 240
"""Disk per 2D path point before the optimizer's state: position, f, gradient and update in
run.json and a paths.csv row; measured 226 B per point for SGD (no state)."""
OUTPUT_BYTES_PER_STATE_VALUE = 26
"""Disk per number of the optimizer's recorded state per step (run.json ``"state"``); measured
24 B for Momentum's v (two numbers) and 19 B for Adam's m, v and iter (five)."""
OUTPUT_BYTES_FIXED = 4 * 1024 * 1024
"""Disk for the two PNGs (1600 px wide, about 0.3-1 MB each) and the rest of run.json."""

SAFETY = 1.25
"""The estimate is multiplied by this before it is compared with what is available."""


class NotEnoughResources(ValueError):
    """A run needs more memory or disk space than there is; the message says how much of each."""


def parameter_count(input_size: int, hidden_sizes, output_size: int = NUM_CLASSES) -> int:
    """Weights and biases of a fully connected network: sum of (fan_in + 1) * fan_out."""
    sizes = (input_size, *hidden_sizes, output_size)
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:]))


def optimizer_arrays(name: str, hyperparameters: dict[str, float]) -> int:
    """How many parameter-sized arrays optimizer ``name`` keeps (state slots and work buffers),
    found by letting it take one step on a small vector and measuring what it allocated."""
    optimizer = create(name, **hyperparameters)
    parameter = np.zeros(64, dtype=np.float32)
    optimizer.update({"all": parameter}, {"all": np.ones_like(parameter)})
    arrays = [array for array in vars(optimizer).get("_buffers", {}).values()]
    for slot in vars(optimizer).get("state", {}).values():
        arrays.extend(slot.values())
    return -(-sum(array.nbytes for array in arrays) // parameter.nbytes)


def memory_needed(settings: Settings, input_size: int, test_images: int, dtype=np.float32) -> int:
    """Bytes the MNIST run of ``settings`` allocates beyond the loaded dataset (see the module
    docstring for the formula)."""
    from .experiment import EVAL_CHUNK  # noqa: PLC0415 - experiment imports this module

    m = settings.mnist
    itemsize = np.dtype(dtype).itemsize
    entries = settings.run_entries().values()
    count = len(entries) * m.repeats
    parameters = parameter_count(input_size, m.hidden_sizes)
    state = m.repeats * sum(optimizer_arrays(entry.optimizer, entry.hyperparameters("mnist"))
                            for entry in entries)
    networks = (3 * count + state) * parameters * itemsize
    hidden = sum(m.hidden_sizes)

    def workspace(rows: int) -> int:
        return (rows * input_size * (2 * itemsize + 1) + count * input_size * m.hidden_sizes[0] * itemsize
                + 2 * count * rows * hidden * itemsize + count * rows * hidden
                + 2 * count * (NUM_CLASSES + 1) * rows * itemsize)

    buffers = workspace(m.batch_size) + workspace(EVAL_CHUNK)
    values = count * m.iterations
    curves = 2 * values * 8 + values * WRITE_BYTES_PER_VALUE
    return networks + buffers + 2 * test_images * input_size + curves


def output_size(settings: Settings) -> int:
    """Bytes of the files a headless run of ``settings`` writes (an upper estimate)."""
    count = len(settings.run_entries())
    size = OUTPUT_BYTES_FIXED
    if settings.task in ("both", "mnist"):
        # with repeats, run.json and losses_repeats.csv also hold every repeat's losses
        repeats = settings.mnist.repeats
        size += count * (1 if repeats == 1 else 2 * repeats + 1) * settings.mnist.iterations * OUTPUT_BYTES_PER_LOSS
    if settings.task in ("both", "paths"):
        for entry in settings.run_entries().values():  # one path per entry of the run
            per_point = OUTPUT_BYTES_PER_POINT + _state_numbers(entry.optimizer) * OUTPUT_BYTES_PER_STATE_VALUE
            size += (settings.paths.steps + 1) * per_point
    return size


def _state_numbers(name: str) -> int:
    """How many numbers optimizer ``name`` records as its state per 2D step (after one update
    of a (2,) position: a per-coordinate slot counts 2, a counter 1)."""
    optimizer = create(name)
    position = np.array([1.0, 1.0])
    optimizer.update({"xy": position}, {"xy": np.array([0.5, -0.5])})
    return sum(np.size(value) for value in optimizer.state_for("xy").values())


def available_memory() -> int | None:
    """Bytes of memory this process can still get: the smaller of the system's MemAvailable and
    the room left under a cgroup (v2) memory limit; None when neither can be read."""
    limits = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                limits.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        cgroup = Path("/sys/fs/cgroup")
        maximum = (cgroup / "memory.max").read_text().strip()
        if maximum != "max":
            limits.append(int(maximum) - int((cgroup / "memory.current").read_text()))
    except (OSError, ValueError):
        pass
    return min(limits) if limits else None


def _gigabytes(size: int) -> str:
    return f"{size / 1e9:.2f} GB" if size >= 1e8 else f"{size / 1e6:.0f} MB"


def check_batch_fits(batch_size: int, training_images: int, data_dir: str | None) -> None:
    """ValueError when a batch would need more images than the training set holds.

    Refused rather than shrunk, so the batch size in run.json is always the one trained with.
    """
    if batch_size > training_images:
        where = data_dir or "the bundled MNIST"
        raise ValueError(f"batch size {batch_size} is larger than the training set "
                         f"({training_images} images in {where}): choose a batch size in "
                         f"[1, {training_images}]")


def check_memory(settings: Settings, input_size: int, test_images: int,
                 available: int | None = None) -> None:
    """NotEnoughResources when the run's estimated memory (x SAFETY) exceeds ``available``
    (default: :func:`available_memory`; unknown means no check)."""
    available = available_memory() if available is None else available
    needed = memory_needed(settings, input_size, test_images)
    if available is not None and needed * SAFETY > available:
        raise NotEnoughResources(
            f"not enough memory: this run needs about {_gigabytes(needed)} ("
            f"{len(settings.run_entries()) * settings.mnist.repeats} networks of "
            f"{parameter_count(input_size, settings.mnist.hidden_sizes):,} parameters, "
            f"{settings.mnist.iterations:,} iterations of losses) and "
            f"{_gigabytes(max(available, 0))} is available: use fewer or smaller hidden layers, "
            f"fewer optimizers or fewer iterations")


def check_disk_space(settings: Settings, directory: Path | str) -> None:
    """NotEnoughResources when the folder's file system has less free space than the run's
    output (:func:`output_size`) x SAFETY. ``directory`` must exist."""
    needed = output_size(settings)
    usage = os.statvfs(directory)
    free = usage.f_bavail * usage.f_frsize
    if needed * SAFETY > free:
        raise NotEnoughResources(f"not enough disk space in {directory}: the result files need "
                                 f"about {_gigabytes(needed)} and {_gigabytes(free)} is free")

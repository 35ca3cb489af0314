"""The caption line of an exported figure: what the picture shows, in the command line's words.

Example: ``Adam lr=0.01 schedule=cosine · SGD · MNIST: 2000 iterations, batch 128, seed 0,
3 repeats``. Entries are written with their values that differ from the defaults
(:func:`nncore.entries.run_text`), then the settings of the task the figure shows.
"""
from __future__ import annotations

from .entries import run_text
from .settings import Settings

SEPARATOR = " \u00b7 "


def caption(settings: Settings, task: str) -> str:
    """The caption of a figure of ``task`` ('mnist' or 'paths') made with ``settings``."""
    entries = [run_text(entry) for entry in settings.run_entries().values()]
    if task == "mnist":
        m = settings.mnist
        details = f"MNIST: {m.iterations} iterations, batch {m.batch_size}, seed {m.seed}"
        if m.repeats > 1:
            details += f", {m.repeats} repeats"
    else:
        p = settings.paths
        details = f"2D: {p.function_key()} from ({p.start[0]:g}, {p.start[1]:g}), {p.steps} steps"
    return SEPARATOR.join(entries + [details])

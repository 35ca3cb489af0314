"""Optimizer Lab's entry point: parse the command line, then open the window or run headless.

Qt is imported only after parsing, so ``--help`` and argument errors are fast and need no display.
Exit status: 0 success, 2 bad arguments or unusable input/output (one line on stderr), 130/143
after Ctrl+C/SIGTERM (a headless run writes the work done so far first).
"""
from __future__ import annotations

import os
import sys
from typing import NoReturn

INTERRUPTED_STATUS = 130
"""Exit status after Ctrl+C (128 + SIGINT), as a shell reports it."""


def end_process(status: int) -> NoReturn:
    """Flush the standard streams and end the process with ``status`` at once.

    For the end of a headless run started as the program: its files are written and closed, its
    training processes reaped. Python's teardown would then spend 0.1-0.3 s destroying the Qt
    application, the figure widgets and PySide6's wrappers that drew the PNGs (measured on the
    project's 2-core machines; 0.01 s with this), which nobody waits for.
    """
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    os._exit(status)


def main(argv: list[str] | None = None) -> int:
    """Run Optimizer Lab with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    from nncore.cli import UsageError, parse_command_line, report_error, settings_json

    try:
        invocation = parse_command_line(sys.argv[1:] if argv is None else argv)
    except UsageError as error:
        return report_error(error)
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else 0
    except KeyboardInterrupt:  # Ctrl+C while starting: nothing done yet, nothing to keep
        return INTERRUPTED_STATUS
    if invocation.save_config is not None:
        from nncore.files import ExportError, write_text
        try:
            write_text(invocation.save_config, settings_json(invocation.settings))
        except ExportError as error:
            return report_error(error)
        return 0
    if invocation.headless or invocation.animation is not None:
        from gui.interrupts import Interrupts
        # From here on Ctrl+C and SIGTERM only set a flag. Run as the program (argv None), the
        # handlers stay until the process ends, so a signal between the run's end and the exit
        # cannot raise either; called from Python, the caller's handlers come back.
        interrupts = Interrupts().install()
        try:
            status = 0
            if invocation.headless:
                from gui.headless import run_headless
                status = run_headless(invocation.settings, invocation.out, interrupts=interrupts,
                                      instrument=invocation.instrument)
            if invocation.animation is not None and status == 0:
                from gui.animation import run_animation
                status = run_animation(invocation.settings, invocation.animation,
                                       invocation.animation_width, invocation.animation_fps)
            if argv is None and invocation.animation is None:  # run as the program, files written
                end_process(status)
            return status
        finally:
            if argv is not None:
                interrupts.restore()
    from gui.platform_check import xcb_problem
    problem = xcb_problem()  # before Qt loads its xcb plugin, which would abort the process
    if problem is not None:
        return report_error(problem)
    from gui.app import run_app
    return run_app(invocation.settings if invocation.settings_given else None,
                   invocation.autorun, None if invocation.screenshot is None else str(invocation.screenshot))


if __name__ == "__main__":
    sys.exit(main())

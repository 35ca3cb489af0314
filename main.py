"""Optimizer Lab's entry point: parse the command line, then open the window or run headless.

Qt is imported only after parsing, so ``--help`` and argument errors are fast and need no display.
Exit status: 0 success, 2 bad arguments or unusable input/output (one line on stderr).
"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run Optimizer Lab with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    from nncore.cli import UsageError, parse_command_line, report_error, settings_json

    try:
        invocation = parse_command_line(sys.argv[1:] if argv is None else argv)
    except UsageError as error:
        return report_error(error)
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else 0
    if invocation.save_config is not None:
        from nncore.results import ExportError, write_text
        try:
            write_text(invocation.save_config, settings_json(invocation.settings))
        except ExportError as error:
            return report_error(error)
        return 0
    if invocation.headless:
        from gui.headless import run_headless
        return run_headless(invocation.settings, invocation.out, instrument=invocation.instrument)
    from gui.app import run_app
    return run_app(invocation.settings if invocation.settings_given else None,
                   invocation.autorun, None if invocation.screenshot is None else str(invocation.screenshot))


if __name__ == "__main__":
    sys.exit(main())

"""Docstrings as tooltips: the whole text, without reStructuredText markup.

Optimizer and preset tooltips are their docstrings, so they stay in step with the code. A first
line alone would cut sentences that continue on the next line, and reST roles and literals
(``:class:`Adam```, ````code````) mean nothing to a user; :func:`plain_text` keeps every line and
removes the markup.
"""
from __future__ import annotations

import inspect
import re

_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")
"""A reST role such as :class:`nncore.optimizers.Adam` or :func:`~a.b`; group 1 is the target."""


def plain_text(doc: str | None) -> str:
    """``doc`` dedented (inspect.cleandoc), roles shown as their last name, literals unquoted."""
    text = inspect.cleandoc(doc or "")
    text = _ROLE.sub(lambda match: match.group(1).rsplit(".", 1)[-1], text)
    return text.replace("``", "")

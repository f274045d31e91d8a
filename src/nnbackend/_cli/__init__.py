"""Helpers of the ``nnbackend`` command (:mod:`nnbackend.cli`), one module per job.

:mod:`~nnbackend._cli.paths` checks output paths, :mod:`~nnbackend._cli.data` reads the data a
command is given (the course's cat folder, a user's table), :mod:`~nnbackend._cli.predict` is
the ``predict`` command. Everything here reports a bad command line by raising
:class:`UsageError`, which the command turns into one line and exit status 2.
"""

from __future__ import annotations

import sys

__all__ = ["UsageError", "warn"]


class UsageError(Exception):
    """A bad command line found after parsing (a path, the data); reported like argparse's."""


def warn(command: str, message: str) -> None:
    """Print ``nnbackend COMMAND: warning: MESSAGE`` on stderr."""
    print(f"nnbackend {command}: warning: {message}", file=sys.stderr)

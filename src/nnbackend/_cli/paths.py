"""Output paths, checked before any work: a path the command could not write as given is
refused in one line, never after minutes of training or benchmarking."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from nnbackend._cli import UsageError

__all__ = ["check_output", "check_outputs", "image_suffixes"]


def image_suffixes() -> list[str]:
    """The file suffixes matplotlib can write, without the dot."""
    from matplotlib.backend_bases import FigureCanvasBase

    return sorted(FigureCanvasBase.get_supported_filetypes())


def _followed(option: str, path: str) -> Path:
    # A symlink is written through (the model file's save follows it): check where it leads.
    where = f"argument {option}: {path!r}"
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UsageError(
                f"{where} is a symlink loop: expected a file path that leads somewhere"
            ) from None
    return Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)


def check_output(
    option: str, path: str | None, *, image: bool = False, suffixes: tuple[str, ...] = ()
) -> None:
    """Refuse, before any work, an output path the command could not write as given.

    Parameters
    ----------
    option : str
        The option's name, for the message.
    path : str or None
        None: the option was not given.
    image : bool, default False
        The path is a matplotlib figure: it needs matplotlib and a suffix naming a format
        (without one, matplotlib would append ``.png`` and write elsewhere than told).
    suffixes : tuple of str, optional
        The file suffixes accepted (``(".csv", ".npy")``); empty: any.

    Raises
    ------
    UsageError
    """
    if path is None:
        return
    where = f"argument {option}: {path!r}"
    if not path.strip():
        raise UsageError(f"{where} is not valid: expected a file path")
    if path.endswith(("/", os.sep)) and not Path(path).is_dir():
        # Path() drops the slash: "newdir/" would be written as a file called newdir
        raise UsageError(
            f"{where} ends in a slash, so it names a folder, and no such folder exists: "
            "expected a file path"
        )
    target = _followed(option, path)
    if target.is_dir():
        raise UsageError(f"{where} is a directory: expected a file path in it")
    if target.exists() and not target.is_file():
        raise UsageError(f"{where} exists and is not a regular file: expected a file path")
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"{where}: the folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (
        target.exists() and not os.access(target, os.W_OK)
    ):
        raise UsageError(f"{where}: no permission to write there")
    if suffixes and target.suffix.lower() not in suffixes:
        raise UsageError(
            f"{where} does not end in {' or '.join(suffixes)}: expected one of those formats"
        )
    if image:
        import importlib.util

        if importlib.util.find_spec("matplotlib") is None:
            raise UsageError(f"argument {option}: needs matplotlib: pip install 'nnbackend[plot]'")
        known = image_suffixes()
        if target.suffix.lower().lstrip(".") not in known:
            raise UsageError(
                f"{where} does not name an image format: expected a file name ending in "
                f"{', '.join('.' + s for s in known)} (such as {target.stem or 'plot'}.png)"
            )


def check_outputs(options: dict[str, tuple[str | None, bool]]) -> None:
    """:func:`check_output` for each ``option: (path, image)``, and no two the same file.

    Raises
    ------
    UsageError
    """
    given: dict[str, str] = {}
    for option, (path, image) in options.items():
        check_output(option, path, image=image)
        if path is not None:
            key = os.path.realpath(path)
            if key in given:
                raise UsageError(
                    f"arguments {given[key]} and {option} name the same file {path!r}: "
                    "expected two different paths"
                )
            given[key] = option

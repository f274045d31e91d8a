"""``python -m nnbackend``: the same as the ``nnbackend`` command."""

from nnbackend.cli import main

raise SystemExit(main())

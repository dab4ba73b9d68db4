"""``python -m sim``: the command line, see :mod:`sim.cli`."""

from .cli import main

raise SystemExit(main())

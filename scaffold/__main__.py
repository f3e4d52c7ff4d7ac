"""Allows `python -m scaffold`."""

from scaffold.cli import main

raise SystemExit(main())

"""``python -m evohpo.cli ...``: the ``evohpo`` command."""

from .main import main

raise SystemExit(main())

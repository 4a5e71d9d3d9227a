"""``python -m tui``: the same as the ``wsdeck`` console script."""

from tui.cli import main

raise SystemExit(main())

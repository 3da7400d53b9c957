"""``python -m tessera`` entry point: forwards to :func:`tessera.cli.main`."""

import sys

from tessera.cli import main

sys.exit(main())

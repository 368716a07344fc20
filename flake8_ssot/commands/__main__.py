"""``python -m flake8_ssot.commands``: the ``flake8-ssot`` console script."""

import sys

from flake8_ssot.commands import main

if __name__ == "__main__":
    sys.exit(main())

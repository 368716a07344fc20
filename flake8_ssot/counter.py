"""The checked-files counter behind a command's progress (``commands.progress``): a
``flake8-ssot`` command that shows progress names a file in ``ENV``, and the plugin, in whichever
flake8 process checked a file, adds one byte to it per file. Imports nothing of the package."""

from __future__ import annotations

import os

ENV = "FLAKE8_SSOT_PROGRESS"


def tick(path: str) -> None:
    """One more file checked; never an error (a counter gone is no progress shown)."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_APPEND)
    except OSError:
        return
    try:
        os.write(handle, b".")
    except OSError:
        pass
    finally:
        os.close(handle)

"""Progress of a long command on stderr, for every ``flake8-ssot`` command that walks a project
(baseline, report, map, fix, consolidate): one line rewritten in place while stderr is a
terminal, ``flake8-ssot baseline: checking files 120/2000``, naming the project index build when
that is what runs; nothing at all when stderr is not a terminal (a pipe, a file, CI), so that
output stays what it was.

``flake8-ssot baseline`` and ``report`` run flake8 in a subprocess: the plugin there adds a byte
to the file named by ``counter.ENV`` for each file it has checked (``counter.tick``), and
``Progress.follow`` shows the count while flake8 runs.

    with Progress("map") as progress:
        progress.phase("building the project index")
        for done, path in enumerate(paths, 1):
            progress.show("counting metadata writes", done, len(paths))
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from typing import IO

from flake8_ssot import counter as checked_files

_CLEAR = "\r\x1b[K"


class Progress:
    def __init__(self, command: str, stream: IO[str] | None = None):
        self.command = command
        self.stream = stream if stream is not None else sys.stderr
        try:
            self.on = self.stream.isatty()
        except (AttributeError, ValueError):
            self.on = False
        self.shown = ""

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def phase(self, what: str) -> None:
        """A step without a count: ``building the project index``."""
        self._write(what)

    def show(self, what: str, done: int, total: int) -> None:
        """``what done/total``; written only when it changes."""
        self._write(f"{what} {done}/{total}")

    def _write(self, text: str) -> None:
        if not self.on:
            return
        line = f"flake8-ssot {self.command}: {text}"
        if line != self.shown:
            self.stream.write(_CLEAR + line)
            self.stream.flush()
            self.shown = line

    def close(self) -> None:
        """Clear the line: what the command prints next starts on a clean line."""
        if self.on and self.shown:
            self.stream.write(_CLEAR)
            self.stream.flush()
            self.shown = ""

    def counter(self) -> tuple[dict, str | None]:
        """The environment a flake8 subprocess needs to report its checked files, and the file
        it counts in (None when progress is off: nothing to count)."""
        if not self.on:
            return {}, None
        handle, path = tempfile.mkstemp(prefix="flake8-ssot-progress-")
        os.close(handle)
        return {checked_files.ENV: path}, path

    def follow(self, process, counter: str | None, total: int) -> None:
        """Show the files *process* (flake8) has checked, of *total*, until it ends."""
        if counter is None:
            process.wait()
            return
        self.phase(f"building the project index, then checking {total} files")
        try:
            while process.poll() is None:
                done = os.path.getsize(counter)
                if done:
                    self.show("checking files", min(done, total), total)
                time.sleep(0.1)  # how often the line is redrawn; no finding depends on it
            self.show("checking files", min(os.path.getsize(counter), total), total)
        finally:
            os.unlink(counter)

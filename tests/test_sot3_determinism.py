"""SOT3xx findings are a function of the code and configuration: the same on a quiet machine and
with every core busy (the budget counts steps, not seconds). CI runs the SOT3xx fixture tests
under Debian's /usr/bin/python3 too (``.ci/run``): the same findings on another CPython build."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers import FIXTURES, run_flake8, write_tree

CERTAIN_WRITES = 3000


def _findings(*paths, cwd=None) -> list[str]:
    # No cache: each run infers everything itself.
    result = run_flake8("--isolated", "--select", "SOT3", "--ssot-no-cache", *map(str, paths),
                        cwd=cwd)
    assert result.stderr == ""
    return sorted(result.stdout.splitlines())


def _busy_cores() -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(os.cpu_count() or 2)]


def test_same_findings_quiet_and_under_load(tmp_path):
    writes = "".join(f"    context.metadata['k{n}'] = datetime.now()\n"
                     for n in range(CERTAIN_WRITES))
    write_tree(tmp_path, {"many.py": "from datetime import datetime\n\n\ndef run(context):\n"
                                     + writes})
    fixtures = sorted(FIXTURES.glob("sot3[0-9][0-9].py"))
    quiet = _findings(*fixtures), _findings("many.py", cwd=tmp_path)
    busy = _busy_cores()
    try:
        loaded = _findings(*fixtures), _findings("many.py", cwd=tmp_path)
    finally:
        for process in busy:
            process.kill()
            process.wait()
    assert loaded == quiet
    assert len(quiet[1]) == CERTAIN_WRITES
    assert len(quiet[0]) > 60

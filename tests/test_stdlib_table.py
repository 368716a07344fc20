"""SOT3xx's standard-library table (flake8_ssot/rules/sot3/stdlib.py) is what one command makes
from the pinned typeshed stubs: regenerated here, it must be the committed file."""

from __future__ import annotations

import subprocess
import sys

from helpers import REPO


def test_the_committed_table_is_what_the_generator_writes():
    result = subprocess.run(
        [sys.executable, "-m", "flake8_ssot.rules.sot3.generate_stdlib", "--check"],
        cwd=REPO, capture_output=True, text=True)
    assert result.stderr == ""
    assert result.returncode == 0


def test_the_check_fails_on_a_table_that_differs(tmp_path, monkeypatch):
    from flake8_ssot.rules.sot3 import generate_stdlib

    stale = tmp_path / "stdlib.py"
    with open(generate_stdlib.OUTPUT, encoding="utf-8") as handle:
        entry = "'hashlib.sha256': ('call', '_hashlib.HASH'),\n"
        stale.write_text(handle.read().replace(entry, ""), encoding="utf-8")
    monkeypatch.setattr(generate_stdlib, "OUTPUT", str(stale))
    assert generate_stdlib.main(["--check"]) == 1
    assert generate_stdlib.main([]) == 0
    assert generate_stdlib.main(["--check"]) == 0
    assert "'hashlib.sha256': ('call', '_hashlib.HASH')" in stale.read_text(encoding="utf-8")

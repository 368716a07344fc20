"""The SOT1xx pass alone, as a flake8 local plugin: what the benchmark's "SOT1xx only" column runs.

The installed plugin always runs every family, so the SOT1xx share is measured in the base venv
(plain flake8, no plugin installed) with this module loaded through ``[flake8:local-plugins]``
(see ``bench.py``). It does what ``flake8_ssot.checker.check_file`` does for SOT1xx: the same
text prefilter, then the one-pass visitor, with every helper taken as defined (no project index).
"""

from __future__ import annotations

from flake8_ssot import __version__, options
from flake8_ssot.checker import mentions_metadata
from flake8_ssot.rules import mutation
from flake8_ssot.rules.advice import Advisor


class Sot1Only:
    name = "flake8-ssot-sot1-only"
    version = __version__
    settings = options.Settings()
    advisor = Advisor(settings, frozenset(h.role for h in options.HELPERS), "BaseAgent")

    def __init__(self, tree, filename, lines):
        self.tree = tree
        self.lines = lines

    def run(self):
        source = "".join(self.lines)
        if not mentions_metadata(source, self.settings):
            return
        try:
            writes = mutation.check(self.tree, self.settings, source=source).writes
        except RecursionError:  # as check_file does: a too-deep file costs its findings only
            return
        for write in writes:
            finding = self.advisor.finding(write)
            yield finding.line, finding.col, finding.message, type(self)

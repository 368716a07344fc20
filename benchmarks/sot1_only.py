"""The SOT1xx pass alone, as a flake8 local plugin: what the benchmark's "SOT1xx only" column runs.

The installed plugin always runs every family, so the SOT1xx share is measured in the base venv
(plain flake8, no plugin installed) with this module loaded through ``[flake8:local-plugins]``
(see ``bench.py``). It does what ``flake8_ssot.checker.check_file`` does for SOT1xx: the same
text prefilter, then the one-pass visitor. It imports only ``flake8_ssot.rules.mutation`` and
``flake8_ssot.options`` (standard library only), so the base venv needs no astroid.
"""

from __future__ import annotations

from flake8_ssot import __version__, options
from flake8_ssot.rules import mutation


def _prefilter_words(settings) -> tuple[str, ...]:
    # Kept identical to checker._mentions_metadata (importing checker would pull in astroid).
    return (*settings.metadata_attributes,
            settings.helper("store-result"), settings.helper("store-batch"),
            settings.helper("append-list"), settings.helper("extend-list"))


class Sot1Only:
    name = "flake8-ssot-sot1-only"
    version = __version__
    settings = options.Settings()
    words = _prefilter_words(settings)

    def __init__(self, tree, filename, lines):
        self.tree = tree
        self.lines = lines

    def run(self):
        source = "".join(self.lines)
        if not any(word in source for word in self.words):
            return
        try:
            findings = mutation.check(self.tree, self.settings).findings
        except RecursionError:  # as check_file does: a too-deep file costs its findings only
            return
        for finding in findings:
            yield finding.line, finding.col, finding.message, type(self)

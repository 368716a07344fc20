"""The SOT1xx visitor's CPU time over a corpus, with and without skipping function and class
bodies that cannot hold a write (``flake8_ssot.rules.bodies``), and proof that both find the same.

Run by hand from the repository root, with the corpus's own configuration::

    python benchmarks/visitor_time.py benchmarks/.corpus/llama-index-core-0.14.25

In-process (no flake8 around it): the visitor's share of a whole run is a few percent of
flake8's own time, below what whole-process pairs resolve on a shared machine, so it is timed
alone. Each file that passes the checker's prefilter is parsed once and visited by both,
alternately, ``--rounds`` times; the medians of the totals are printed.
"""

from __future__ import annotations

import argparse
import ast
import statistics
import sys
import time
from pathlib import Path

from flake8_ssot import checker
from flake8_ssot.project import settings_from_flake8
from flake8_ssot.rules import mutation


def found(visitor) -> list:
    return ([(w.statement.lineno, w.form.name, w.target) for w in visitor.writes],
            [(s.statement.lineno, s.role, ast.dump(s.value)) for s in visitor.value_sites])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    config = args.root / "setup.cfg"
    settings, _ = settings_from_flake8([*(["--config", str(config)] if config.exists() else []),
                                        "--ssot-project-root", str(args.root), str(args.root)])
    files = []
    for path in sorted(args.root.rglob("*.py")):
        source = path.read_text(encoding="utf-8", errors="replace")
        if checker.mentions_metadata(source, settings):
            try:
                files.append((path, source, ast.parse(source)))
            except (SyntaxError, ValueError):
                continue
    totals = {"every body": [], "skipping": []}
    for _ in range(args.rounds):
        for label, with_source in (("every body", False), ("skipping", True)):
            started = time.process_time()
            for _, source, tree in files:
                mutation.check(tree, settings, source=source if with_source else None)
            totals[label].append(time.process_time() - started)
    for path, source, tree in files:
        skipping = mutation.check(tree, settings, source=source)
        if found(mutation.check(tree, settings)) != found(skipping):
            print(f"DIFFERENT: {path}")
            return 1
    every, skipping = (statistics.median(totals[label]) for label in totals)
    print(f"{args.root.name}: {len(files)} files visited; every body {every * 1000:.0f} ms CPU, "
          f"skipping {skipping * 1000:.0f} ms ({skipping / every:.2f}); same writes and values")
    return 0


if __name__ == "__main__":
    sys.exit(main())

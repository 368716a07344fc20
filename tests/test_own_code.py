"""flake8-ssot's own code passes flake8 with the plugin, under the repository's [flake8] config:
the tool holds itself to what it asks of its users."""

from __future__ import annotations

from helpers import REPO, run_flake8


def test_the_package_and_the_benchmarks_pass_flake8_with_the_plugin():
    result = run_flake8("flake8_ssot", "benchmarks", cwd=REPO)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")

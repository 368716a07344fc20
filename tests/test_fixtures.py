"""Each rule family's fixture: the code written on its line is exactly what flake8 prints."""

from __future__ import annotations

import pytest

from helpers import FIXTURES, expected_in, reported, run_flake8

FAMILY_FIXTURES = sorted(FIXTURES.glob("sot*.py"))


@pytest.mark.parametrize("fixture", FAMILY_FIXTURES, ids=lambda p: p.name)
def test_fixture_reports_exactly_the_expected_codes(fixture):
    # A generous inference budget: these fixtures pin what is found, not how fast, and the
    # machines running the suite are shared.
    result = run_flake8("--isolated", "--select", "SOT", "--ssot-inference-budget", "60",
                        str(fixture))
    assert result.stderr == ""
    assert reported(result.stdout) == expected_in(fixture), result.stdout


def test_every_family_has_a_fixture():
    assert {p.name for p in FAMILY_FIXTURES} >= {"sot1xx_mutation.py"}

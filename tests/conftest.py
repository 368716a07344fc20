"""pytest's hook file. The tools the tests share (the project builder, the ``flake8`` and
``flake8-ssot`` runners, the environment they run in, the fixture parsers) are in
``tests/helpers.py``: import them from there. Tests meet the plugin as a user does (the real
command lines, pre-commit, an editor's process) except where an internal function is the thing
under test (property tests, the index API, ``fix_source``), which they call in-process."""

"""Options are read from every config file flake8 reads, and from the command line."""

from __future__ import annotations

import pytest

from helpers import READ_ONLY_BASE, reported, run_flake8, write_tree


@pytest.fixture(autouse=True)
def helper_class(tmp_path):
    """SOT1xx reports only in a project with a helper class: every project here has one."""
    write_tree(tmp_path, READ_ONLY_BASE)

SOURCE = '''\
def handle(run, context, message):
    run.meta["k"] = 1
    context.metadata["k"] = 1
    message.metadata["k"] = 1
'''

CONFIG = """\
[flake8]
ssot-context-names = run, message
ssot-metadata-attributes = meta
ssot-store-result-helper = save_result
"""


@pytest.mark.parametrize("config_file", ["setup.cfg", "tox.ini", ".flake8"])
def test_options_are_read_from_each_config_file(tmp_path, config_file):
    (tmp_path / config_file).write_text(CONFIG)
    (tmp_path / "agent.py").write_text(SOURCE)
    result = run_flake8("--select", "SOT1", "agent.py", cwd=tmp_path)
    assert result.stdout == (
        "agent.py:2:5: SOT101 run.meta[...] = ... writes metadata directly; "
        "use save_result(run, key, value) of BaseAgent (base_agent.py:1) after adding "
        "save_result there (`flake8-ssot helpers`)\n"
    )


def test_defaults_need_no_configuration(tmp_path):
    (tmp_path / "agent.py").write_text(SOURCE)
    result = run_flake8("--select", "SOT1", "agent.py", cwd=tmp_path)
    assert reported(result.stdout) == {(3, 5, "SOT101")}


def test_command_line_options_override(tmp_path):
    (tmp_path / "agent.py").write_text(SOURCE)
    result = run_flake8("--select", "SOT1", "--ssot-context-names", "message", "agent.py",
                        cwd=tmp_path)
    assert reported(result.stdout) == {(4, 5, "SOT101")}


def test_context_class_annotations_are_configurable(tmp_path):
    (tmp_path / "agent.py").write_text(
        "def handle(request: 'RunContext', context: 'RunContext'):\n"
        "    request.metadata['k'] = 1\n"
    )
    default = run_flake8("--select", "SOT1", "agent.py", cwd=tmp_path)
    configured = run_flake8("--select", "SOT1", "--ssot-context-classes", "RunContext",
                            "agent.py", cwd=tmp_path)
    assert default.stdout == ""
    assert reported(configured.stdout) == {(2, 5, "SOT101")}


def test_exempt_classes_are_configurable(tmp_path):
    (tmp_path / "agent.py").write_text(
        "class MetadataMixin:\n"
        "    def save(self, context):\n"
        "        context.metadata['k'] = 1\n"
    )
    default = run_flake8("--select", "SOT1", "agent.py", cwd=tmp_path)
    configured = run_flake8("--select", "SOT1", "--ssot-exempt-classes", "BaseAgent,MetadataMixin",
                            "agent.py", cwd=tmp_path)
    assert reported(default.stdout) == {(3, 9, "SOT101")}
    assert configured.stdout == ""


def test_stdin_buffer_is_checked_not_the_disk_copy(tmp_path):
    (tmp_path / "agent.py").write_text("def handle(context):\n    pass\n")
    buffer = "def handle(context):\n\n    context.metadata.clear()\n"
    result = run_flake8("--select", "SOT", "--stdin-display-name", "agent.py", "-",
                        cwd=tmp_path, stdin=buffer)
    assert result.stdout.startswith("agent.py:3:5: SOT106 ")


def test_extend_ignore_and_extend_select(tmp_path):
    (tmp_path / "agent.py").write_text(
        "def handle(context):\n"
        "    context.metadata['k'] = 1\n"
        "    context.metadata.clear()\n"
    )
    ignored = run_flake8("--extend-ignore", "SOT101", "agent.py", cwd=tmp_path)
    assert reported(ignored.stdout) == {(3, 5, "SOT106")}
    selected = run_flake8("--select", "E", "--extend-select", "SOT106", "agent.py", cwd=tmp_path)
    assert reported(selected.stdout) == {(3, 5, "SOT106")}
    assert ignored.returncode == selected.returncode == 1


def test_help_lists_every_option_with_its_default():
    from flake8_ssot.options import OPTIONS

    result = run_flake8("--help")
    for option in OPTIONS:
        assert option.flag in result.stdout

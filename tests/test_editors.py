"""Editors: python-lsp-server driven as a real LSP client over stdio, and the command line VS Code's
flake8 extension runs. Both must show SOT findings at the right line and column."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

from helpers import REPO, code_blocks, run_flake8, user_env
import pytest
from helpers import READ_ONLY_BASE, write_tree


@pytest.fixture(autouse=True)
def helper_class(tmp_path):
    """SOT1xx reports only in a project with a helper class: every project here has one."""
    write_tree(tmp_path, READ_ONLY_BASE)

DISK = '''\
class ReportAgent:
    async def execute(self, context):
        return context.metadata.get("status")
'''
# The unsaved buffer: a violation on a line that does not exist on disk.
BUFFER = '''\
class ReportAgent:
    async def execute(self, context):
        status = context.metadata.get("status")
        context.metadata.clear()
        return status
'''
SOT106 = ("context.metadata.clear() empties metadata directly; "
          "use self.clear_metadata(context) after adding clear_metadata to "
          "BaseAgent (base_agent.py:1) (`flake8-ssot helpers`)")
# What waiting for one server message may take at most before the test gives up (a hang guard,
# not a speed assertion).
MESSAGE_TIMEOUT = 120


def documented(key: str) -> dict:
    """The JSON settings block of docs/usage.md that mentions *key*."""
    [block] = [block for block in code_blocks(REPO / "docs" / "usage.md", "json")
               if key in block]
    return json.loads(block)


class LanguageServer:
    """A minimal LSP client: JSON-RPC 2.0 with Content-Length framing over a child's stdio."""

    def __init__(self, command: list[str], cwd: Path, env: dict):
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.messages: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    self.messages.put(None)  # the server went away
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self.messages.put(json.loads(body.decode("utf-8")))

    def _send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: dict) -> dict:
        self.next_id += 1
        request_id = self.next_id
        self._send({"id": request_id, "method": method, "params": params})
        return self.wait_for(lambda message: message.get("id") == request_id
                             and "method" not in message)

    def wait_for(self, matches) -> dict:
        """The next server message that *matches*; answers the server's own requests on the way."""
        while True:
            message = self.messages.get(timeout=MESSAGE_TIMEOUT)
            assert message is not None, "the language server exited"
            if matches(message):
                return message
            if "id" in message and "method" in message:
                self._send({"id": message["id"], "result": None})

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def test_pylsp_flake8_plugin_shows_the_unsaved_buffers_finding(tmp_path):
    workspace = tmp_path / "workspace"
    (workspace / "agents").mkdir(parents=True)
    (workspace / "setup.cfg").write_text("[flake8]\nmax-line-length = 100\n")
    write_tree(workspace, READ_ONLY_BASE)
    path = workspace / "agents" / "report.py"
    path.write_text(DISK)
    assert run_flake8("--select", "SOT", str(path)).stdout == ""  # the disk copy is clean

    # pylsp runs `flake8` from PATH: the environment's own, where the plugin is installed.
    env = user_env({"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]})
    server = LanguageServer([sys.executable, "-m", "pylsp"], cwd=workspace, env=env)
    try:
        server.request("initialize", {
            "processId": os.getpid(), "rootUri": workspace.as_uri(), "capabilities": {},
        })
        server.notify("initialized", {})
        # The settings docs/usage.md tells a user to put in the editor, as written there.
        server.notify("workspace/didChangeConfiguration", {"settings": documented("pylsp")})
        server.notify("textDocument/didOpen", {"textDocument": {
            "uri": path.as_uri(), "languageId": "python", "version": 1, "text": BUFFER,
        }})
        published = server.wait_for(
            lambda message: message.get("method") == "textDocument/publishDiagnostics"
            and message["params"]["uri"] == path.as_uri()
            and any(d.get("source") == "flake8" for d in message["params"]["diagnostics"]))
    finally:
        server.close()

    assert published["params"]["diagnostics"] == [{
        "source": "flake8",
        "code": "SOT106",
        "range": {"start": {"line": 3, "character": 8},
                  "end": {"line": 3, "character": len("        context.metadata.clear()\n")}},
        "message": f"SOT106 {SOT106}",
        "severity": 2,  # Warning
    }]


# What VS Code's flake8 extension (microsoft/vscode-flake8, bundled/tool/lsp_server.py) passes:
# the format below as one argv item (no quotes since May 2026), then the document's path; and the
# regular expression it parses each output line with.
VSCODE_FORMAT = "--format=%(row)d,%(col)d,%(code).1s,%(code)s:%(text)s"
VSCODE_DIAGNOSTIC = re.compile(
    r"(?P<line>\d+),(?P<column>-?\d+),(?P<type>\w+),(?P<code>\w+\d+):(?P<message>[^\r\n]*)")


def _vscode_diagnostics(stdout: str) -> list[tuple[int, int, str, str, str]]:
    """(line, character) as the extension converts them (both 0-based), type, code, message."""
    return [(int(m["line"]) - 1, int(m["column"]) - 1, m["type"], m["code"], m["message"])
            for m in map(VSCODE_DIAGNOSTIC.fullmatch, stdout.splitlines()) if m]


def _vscode_severity(code: str, severity: dict) -> str:
    """The extension's lookup: the longest prefix of the code that is mapped, else Error."""
    for end in range(len(code), 0, -1):
        if code[:end] in severity:
            return severity[code[:end]]
    return "Error"


def test_vscode_flake8_command_line_on_the_saved_file(tmp_path):
    (tmp_path / ".flake8").write_text("[flake8]\nmax-line-length = 100\n")
    path = tmp_path / "agents" / "report.py"
    path.parent.mkdir()
    path.write_text(BUFFER)
    result = run_flake8(VSCODE_FORMAT, str(path), cwd=tmp_path)  # cwd: ${workspaceFolder}
    assert result.stdout == f"4,9,S,SOT106:{SOT106}\n"
    assert _vscode_diagnostics(result.stdout) == [(3, 8, "S", "SOT106", SOT106)]


def test_vscode_flake8_command_line_on_a_notebook_cell(tmp_path):
    """Notebook cells are the one thing the extension sends on stdin."""
    path = tmp_path / "agents" / "report.py"
    path.parent.mkdir()
    path.write_text(DISK)
    # No config file: the project is the file's directory, where its helper class is.
    write_tree(path.parent, READ_ONLY_BASE)
    result = run_flake8(VSCODE_FORMAT, "--stdin-display-name", str(path), "-", cwd=tmp_path,
                        stdin=BUFFER)
    assert _vscode_diagnostics(result.stdout) == [(3, 8, "S", "SOT106", SOT106)]


def test_vscode_documentation_matches_the_tested_command_line():
    settings = documented("flake8.importStrategy")
    assert settings["flake8.importStrategy"] == "fromEnvironment"
    severity = settings["flake8.severity"]
    assert "S" not in severity  # it would also catch flake8-bandit's codes
    for code in ("SOT101", "SOT201", "SOT301", "SOT901"):
        assert _vscode_severity(code, severity) == "Warning"
    assert _vscode_severity("S101", severity) == "Error"  # bandit's own: not ours to map
    usage = (REPO / "docs" / "usage.md").read_text(encoding="utf-8")
    assert f"`{VSCODE_FORMAT} <path>`" in usage

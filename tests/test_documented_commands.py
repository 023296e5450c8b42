"""Every shell command the README and the book show is run, exactly as written.

The ```bash blocks of README.md and book/*.md are run by bash from the repository root, one
block per test, line by line in one shell (so a `cd` carries to the next line), and every
line must succeed. Two commands are not run here, because they *are* the test run or its
sibling: `make test` (it runs this file) and `make book` (it re-executes every notebook and
builds the book); `.ci/run` runs both, and a test below checks that it does. A third is run by
another test of the same run, so not twice: `make book-quick`, which
tests/test_notebooks.py::test_quick_run runs for every notebook, one `NB=` at a time.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "book").glob("*.md"))]
RUN_BY_CI = {"make test", "make book"}
#: Commands that another test of `make test` runs: the command, and the test file that runs it.
RUN_BY_TESTS = {"make book-quick": "test_notebooks.py"}

pytestmark = pytest.mark.notebooks  # they execute notebooks: slow


def bash_blocks(path: Path) -> list[str]:
    return re.findall(r"^```bash\n(.*?)^```", path.read_text(), re.M | re.S)


def command_of(line: str) -> str:
    """The command of a line, without its trailing comment."""
    return re.sub(r"\s+#.*$", "", line).strip()


BLOCKS = [(path, i, block) for path in DOCUMENTS for i, block in enumerate(bash_blocks(path))]


def test_the_documents_show_commands():
    assert any(p.name == "README.md" for p, _, _ in BLOCKS)


def test_ci_runs_the_commands_not_run_here():
    ci = (ROOT / ".ci" / "run").read_text()
    for command in RUN_BY_CI:
        assert re.search(rf"^\s*{re.escape(command)}\s*$", ci, re.M), (
            f".ci/run does not run `{command}`"
        )


def test_the_commands_not_run_here_are_run_by_another_test():
    for command, test_file in RUN_BY_TESTS.items():
        source = (ROOT / "tests" / test_file).read_text()
        target = command.removeprefix("make ")
        assert re.search(rf'\["make", "--no-print-directory", "{re.escape(target)}"', source), (
            f"tests/{test_file} does not run `{command}`"
        )


@pytest.mark.parametrize(
    "path, index, block", BLOCKS, ids=[f"{p.relative_to(ROOT)}#{i}" for p, i, _ in BLOCKS]
)
def test_documented_block_runs_as_written(path: Path, index: int, block: str, tmp_path: Path):
    lines = [line for line in block.splitlines() if command_of(line)]
    script = ["set -euo pipefail"]
    for line in lines:
        if command_of(line) in RUN_BY_CI or command_of(line) in RUN_BY_TESTS:
            continue
        script += [f"echo '>>> {command_of(line)}'", line]
    # The notebooks' model cache stays out of the repository's own cache.
    env_cache = f"export AUTOENCODE_CACHE={tmp_path / 'cache'}"
    proc = subprocess.run(
        ["bash", "-c", "\n".join([env_cache, *script])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert proc.returncode == 0, (
        f"a command of {path.relative_to(ROOT)} failed (exit {proc.returncode}):\n"
        + (proc.stdout + proc.stderr)[-6000:]
    )

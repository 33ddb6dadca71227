"""The examples of the README and the docs pages run, so they cannot rot.

Every fenced `python` block that follows an `<!-- example: NAME -->` comment in README.md and in the
Markdown pages under docs/ is run: a block that defines `test_...` functions as a pytest file in a fresh
folder (with docs/examples/ copied beside it and the fake_redcap plugin loaded), every other block as a
plain script. Every test in such a block must pass; none may be skipped. A block that cannot run (one
that needs a real REDCap, say) follows `<!-- not-an-example -->` instead; an unmarked block fails.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

import fake_redcap.server
import redcap_file_client

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")))
EXAMPLE_FILES = ROOT / "docs" / "examples"
PRELOADED = (redcap_file_client, fake_redcap.server, requests)  # kept across pytester's inline runs

_EXAMPLE = re.compile(
    r"<!--\s*example:\s*(?P<name>[\w.-]+)\s*-->\s*\n```python\n(?P<code>.*?)\n```", re.DOTALL
)
_PYTHON_BLOCK = re.compile(r"^```python\n", re.MULTILINE)
_NOT_AN_EXAMPLE = re.compile(r"<!--\s*not-an-example\s*-->\s*\n```python\n")
_TEST_FUNCTION = re.compile(r"^def (test_\w+)\(", re.MULTILINE)


def _plugin_args() -> list[str]:
    installed = any(
        ep.value == "fake_redcap.pytest_plugin" for ep in importlib.metadata.entry_points(group="pytest11")
    )
    plugin = [] if installed else ["-p", "fake_redcap.pytest_plugin"]
    return [
        *plugin,
        "-p",
        "no:cacheprovider",
        "-p",
        "no:hypothesispytest",
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
    ]


@dataclass(frozen=True)
class Example:
    doc: Path
    name: str
    code: str
    line: int

    @property
    def tests(self) -> list[str]:
        return _TEST_FUNCTION.findall(self.code)

    def __str__(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}:{self.name}"


def examples(doc: Path) -> list[Example]:
    text = doc.read_text(encoding="utf-8")
    return [
        Example(doc, m["name"], m["code"], text.count("\n", 0, m.start("code")) + 1)
        for m in _EXAMPLE.finditer(text)
    ]


ALL = [example for doc in DOCS if doc.is_file() for example in examples(doc)]


def test_the_docs_have_the_runnable_examples() -> None:
    """The README's first test, and the plugin, journal, faults and control-endpoint examples
    (docs/pytest-plugin.md, docs/server.md) are in the docs and run."""
    assert {e.name for e in ALL} >= {
        "readme-first-test",
        "plugin-own-project",
        "journal",
        "faults",
        "control-endpoints",
    }


@pytest.mark.parametrize("doc", [d for d in DOCS if d.is_file()], ids=lambda d: d.name)
def test_every_python_block_is_an_example_or_says_it_is_not(doc: Path) -> None:
    """A python block that is not run (it needs a real REDCap, say) follows `<!-- not-an-example -->`."""
    text = doc.read_text(encoding="utf-8")
    illustrations = len(_NOT_AN_EXAMPLE.findall(text))
    assert len(_PYTHON_BLOCK.findall(text)) == len(examples(doc)) + illustrations


@pytest.mark.parametrize("doc", [d for d in DOCS if d.is_file()], ids=lambda d: d.name)
def test_example_names_are_unique_within_a_file(doc: Path) -> None:
    names = [e.name for e in examples(doc)]
    assert len(names) == len(set(names)), names


@pytest.mark.parametrize("example", ALL, ids=str)
def test_example_runs(example: Example, pytester: pytest.Pytester) -> None:
    for path in EXAMPLE_FILES.iterdir():
        shutil.copy(path, pytester.path / path.name)
    if example.tests:
        module = "test_example_" + re.sub(r"\W", "_", example.name)
        pytester.makepyfile(**{module: example.code})
        result = pytester.runpytest(*_plugin_args(), "-rA")
        outcomes = result.parseoutcomes()
        assert outcomes == {"passed": len(example.tests)}, f"{example}: {result.stdout.str()}"
    else:
        with pytester.path.joinpath("example.py").open("w", encoding="utf-8") as out:
            out.write(example.code)
        namespace = {"__name__": "__main__", "__file__": str(pytester.path / "example.py")}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(example.code, str(example), "exec"), namespace)

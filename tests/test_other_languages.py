"""docs/other-languages-and-ci.md: every curl, R and CI example runs against a running fake.

The R examples need Rscript with RCurl and httr (Debian: r-base-core, r-cran-rcurl, r-cran-httr; `make r`
installs them when it runs as root with apt, and `make test` runs `make r`). Without them those two tests
skip, naming the packages; everything else here needs only bash and curl.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from fake_redcap import FakeServer, FakeState

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "other-languages-and-ci.md"
SECRET = "test-control-secret-0123456789"
TOKEN = "1401FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # demo project 14, full_user
EXAMPLE = re.compile(r"<!-- example: ([\w-]+) -->\n```(\w+)\n(.*?)```", re.S)


def examples() -> dict[str, tuple[str, str]]:
    """name -> (language, code) of every marked block of the page."""
    found = {m[1]: (m[2], m[3]) for m in EXAMPLE.finditer(PAGE.read_text(encoding="utf-8"))}
    assert found, f"no examples found in {PAGE}"
    return found


EXAMPLES = examples()


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer(FakeState(), control_secret=SECRET) as running:
        yield running


def environment(server: FakeServer) -> dict[str, str]:
    return {
        **os.environ,
        "REDCAP_API_URL": server.url,
        "REDCAP_API_TOKEN": TOKEN,
        "FAKE_REDCAP_URL": server.base_url,
        "FAKE_REDCAP_CONTROL_SECRET": SECRET,
    }


def run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_the_page_has_the_examples_it_promises() -> None:
    assert {name for name, (language, _) in EXAMPLES.items() if language == "r"} == {
        "r-rcurl",
        "r-httr",
        "r-control",
    }
    assert {"curl-export", "curl-errors", "curl-control", "github-actions", "gitlab-ci"} <= set(EXAMPLES)


@pytest.mark.parametrize("name", [n for n, (language, _) in EXAMPLES.items() if language == "sh"])
def test_curl_example(name: str, server: FakeServer, tmp_path: Path) -> None:
    server.state.reset()
    code = EXAMPLES[name][1]
    result = run(["bash", "-euo", "pipefail", "-c", code], tmp_path, environment(server))
    assert result.returncode == 0, f"{name}:\n{result.stdout}\n{result.stderr}"
    if name == "curl-export":
        stored = REPO / "fake_redcap" / "demo" / "files" / "consent.pdf"
        assert (tmp_path / "consent.pdf").read_bytes() == stored.read_bytes()


def _r_packages_missing() -> str | None:
    if shutil.which("Rscript") is None:
        return "Rscript"
    probe = subprocess.run(
        ["Rscript", "-e", "library(RCurl); library(httr)"], capture_output=True, text=True, timeout=120
    )
    return None if probe.returncode == 0 else "the R packages RCurl and httr"


@pytest.mark.parametrize("name", [n for n, (language, _) in EXAMPLES.items() if language == "r"])
def test_r_example(name: str, server: FakeServer, tmp_path: Path) -> None:
    missing = _r_packages_missing()
    if missing is not None:
        pytest.skip(f"{missing} not installed: apt-get install r-base-core r-cran-rcurl r-cran-httr (make r)")
    server.state.reset()
    script = tmp_path / f"{name}.R"
    script.write_text(EXAMPLES[name][1], encoding="utf-8")
    result = run(["Rscript", str(script)], tmp_path, environment(server))
    assert result.returncode == 0, f"{name}:\n{result.stdout}\n{result.stderr}"
    if name == "r-rcurl":
        stored = REPO / "fake_redcap" / "demo" / "files" / "consent.pdf"
        assert (tmp_path / "consent.pdf").read_bytes() == stored.read_bytes()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ci_project(folder: Path) -> None:
    """The fixture the CI examples name, redcap/project.yaml: the demo classic project."""
    shutil.copytree(REPO / "fake_redcap" / "demo", folder / "redcap")
    for other in (folder / "redcap").glob("*.yaml"):
        if other.name != "classic.yaml":
            other.unlink()
    (folder / "redcap" / "classic.yaml").rename(folder / "redcap" / "project.yaml")


def _start_script(name: str) -> tuple[str, dict[str, Any]]:
    """The lines that install nothing and start the fake, from a CI example, and its variables."""
    document = yaml.safe_load(EXAMPLES[name][1])
    if name == "github-actions":
        job = document["jobs"]["test"]
        step = next(s for s in job["steps"] if s.get("name") == "Start the fake REDCap")
        return step["run"], job["env"]
    job = document["test"]
    lines = [line for line in job["before_script"] if "install" not in line]
    return "\n".join(lines), job["variables"]


@pytest.mark.parametrize("name", ["github-actions", "gitlab-ci"])
def test_ci_recipe_starts_the_fake_and_waits_for_it(name: str, tmp_path: Path) -> None:
    script, variables = _start_script(name)
    _ci_project(tmp_path)
    port = str(_free_port())
    bin_dir = Path(sys.executable).parent  # where this environment's fake-redcap command is
    env = {**os.environ, **{k: str(v) for k, v in variables.items()}, "FAKE_REDCAP_PORT": port}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    assert variables["REDCAP_API_URL"] == f"http://127.0.0.1:{variables['FAKE_REDCAP_PORT']}/api/"
    result = run(["bash", "-euo", "pipefail", "-c", script + '\necho "FAKE_PID=$!"'], tmp_path, env)
    started = re.search(r"FAKE_PID=(\d+)", result.stdout)
    try:
        assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n{_log(tmp_path)}"
        assert '"status":"ok"' in result.stdout
    finally:
        if started is not None:  # the server the script left running: stopped as CI's job end stops it
            _stop(int(started[1]))
    assert "fake-redcap: stopped" in _log(tmp_path)


def _stop(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        if not Path(f"/proc/{pid}").exists() or "zombie" in _state(pid):
            return
        time.sleep(0.05)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return "zombie"


def _log(folder: Path) -> str:
    log = folder / "fake-redcap.log"
    return log.read_text() if log.exists() else ""

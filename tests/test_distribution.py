"""The distribution as a user meets it (issue 18): `pip install <repository>` into a fresh virtual
environment outside the repository, then the user's own tests with the plugin, the installed import
names, `fake-redcap --version` and `fake-redcap contract` from the installed copy.

No network: the project's dependencies come from this test run's own environment (a folder of links to
its site-packages, the project itself left out, named in a .pth file of the new environment) and pip
installs the project with `--no-deps`. Building the wheel takes pip's build isolation (setuptools from
pip's cache or index, as for `make install`). The environment is built once per run, shared by xdist
workers under a lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

REPO = Path(__file__).resolve().parent.parent
# What the wheel may install at the top level of site-packages, and where each comes from in a clone.
TOP_LEVEL = {"fake_redcap": "fake_redcap", "redcap_file_client": "redcap_file_client"}
TOP_LEVEL["fake_redcap_contract"] = "contract_tests"
PROJECT_PARTS = ("fake_redcap", "redcap_file_client", "contract_tests", "__editable__", "_fake_redcap")

USER_TEST = '''\
"""A user's own test file: the plugin's fixtures, beside a module of the user's named client.py."""

from pathlib import Path

import pytest

import client  # the user's own module: it must not shadow anything the plugin needs

import fake_redcap


def test_the_installed_copy_is_used():
    assert "site-packages" in Path(fake_redcap.__file__).parts
    assert client.WHO == "the user's own client.py"


def test_download(redcap_client, tmp_path):
    path = redcap_client.download_file("1", "consent_form", tmp_path)
    assert path.name == "consent.pdf" and path.read_bytes().startswith(b"%PDF")


def test_journal(redcap_client, fake_redcap):
    assert redcap_client.export_version() == "15.7.6"
    fake_redcap.journal.assert_request_made(content="version")


def test_every_fixture_the_plugins_page_names(
    redcap_fixtures,
    fake_redcap_server,
    fake_redcap,
    redcap_url,
    redcap_control_headers,
    redcap_tokens,
    redcap_project_tokens,
    redcap_client,
    redcap_client_for,
    fake_redcap_servers,
):
    import requests

    assert [p.name for p in redcap_fixtures] == ["classic.yaml", "longitudinal.yaml"]  # the demos
    assert fake_redcap_servers.server_for(redcap_fixtures) is fake_redcap_server
    assert fake_redcap_server.state is fake_redcap and fake_redcap_server.url == redcap_url
    health = requests.get(redcap_url.replace("/api/", "/__fake__/health"), headers=redcap_control_headers)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert redcap_tokens["full_user"] == redcap_project_tokens[14]["full_user"]
    assert redcap_client.export_version() == "15.7.6"
    assert redcap_client_for("full_user", 15, retries=0).export_file(
        "101", "consent_form", event="baseline_arm_1"
    ).filename == "consent.pdf"
    assert [e.params["token"] for e in fake_redcap.journal.entries()] == ["importer_user", "full_user"]


@pytest.mark.redcap_fixtures("my_project.yaml")
def test_the_users_own_project(redcap_project_tokens, redcap_client_for, tmp_path):
    assert list(redcap_project_tokens) == [42]
    path = redcap_client_for("pipeline").download_file("S-001", "ecg_trace", tmp_path)
    assert path.read_text() == "t,mV\\n0,0.1\\n1,0.4\\n"
'''
USER_TESTS = 5  # the test functions of USER_TEST


@dataclass(frozen=True)
class Installed:
    venv: Path
    site_packages: Path
    user_project: Path

    def bin(self, name: str) -> Path:
        return self.venv / "bin" / name

    def run(
        self, *args: str | Path, cwd: Path | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in args],
            cwd=cwd or self.user_project,
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL_ENV"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _repo_files() -> list[Path]:
    """The files a clone holds (tracked, or new and not ignored): what `pip install <repo>` sees."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [REPO / name for name in listed.split("\0") if name and (REPO / name).is_file()]


def _copy_repository(dest: Path) -> None:
    for source in _repo_files():
        target = dest / source.relative_to(REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())


def _link_dependencies(venv: Path) -> Path:
    """A folder of links to this environment's installed packages, the project's own left out, named
    in a .pth file of `venv`: the dependencies without a download."""
    ours = Path(sysconfig.get_paths()["purelib"])
    deps = venv.parent / "dependencies"
    deps.mkdir()
    for entry in ours.iterdir():
        lowered = entry.name.lower()
        if entry.suffix == ".pth" or any(part in lowered for part in PROJECT_PARTS) or lowered == "client":
            continue
        (deps / entry.name).symlink_to(entry)
    site_packages = Path(
        subprocess.run(
            [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site_packages / "zz_test_dependencies.pth").write_text(f"{deps}\n")
    return site_packages


def _build(root: Path) -> Installed:
    source, venv, user = root / "repository", root / "venv", root / "user_project"
    _copy_repository(source)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120)
    site_packages = _link_dependencies(venv)
    installed = Installed(venv, site_packages, user)
    user.mkdir()
    pip = installed.run(
        sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-deps", source
    )
    assert pip.returncode == 0, f"pip install <repository> failed:\n{pip.stdout}\n{pip.stderr}"
    (user / "client.py").write_text('WHO = "the user\'s own client.py"\n')
    (user / "test_user.py").write_text(USER_TEST)
    (user / "my_project.yaml").write_bytes((REPO / "docs" / "examples" / "my_project.yaml").read_bytes())
    for extra in (REPO / "docs" / "examples").iterdir():  # any folder of files my_project.yaml names
        if extra.is_dir():
            shutil.copytree(extra, user / extra.name)
    return installed


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """The project installed from a copy of the repository into a fresh venv, once per run."""
    shared = tmp_path_factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" in os.environ:
        shared = shared.parent  # the run's folder, the same for every xdist worker of this run
    root = shared / "distribution"
    with open(shared / "distribution.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / "done.json"
        if not done.exists():
            root.mkdir(exist_ok=True)
            built = _build(root)
            done.write_text(json.dumps({"site_packages": str(built.site_packages)}))
        site_packages = Path(json.loads(done.read_text())["site_packages"])
    yield Installed(root / "venv", site_packages, root / "user_project")


def _record(installed: Installed) -> list[str]:
    (dist_info,) = installed.site_packages.glob("fake_redcap-*.dist-info")
    return [line.split(",")[0] for line in (dist_info / "RECORD").read_text().splitlines() if line]


def test_only_distinctive_top_level_names_are_installed(installed: Installed) -> None:
    top = {path.split("/")[0] for path in _record(installed)}
    top = {name for name in top if not name.endswith(".dist-info") and name != ".."}  # scripts: ../../bin
    assert top == set(TOP_LEVEL), f"top-level names installed: {sorted(top)}"
    assert not (installed.site_packages / "client").exists()


def test_every_module_and_data_file_of_the_clone_is_installed(installed: Installed) -> None:
    record = set(_record(installed))
    missing = []
    for name, folder in TOP_LEVEL.items():
        for path in _repo_files():
            if not path.is_relative_to(REPO / folder) or path.name.startswith("."):
                continue
            if (
                path.suffix in (".py", ".yaml", ".md", ".html", ".csv", ".xml", ".typed")
                or "files" in path.parts
            ):
                installed_name = f"{name}/{path.relative_to(REPO / folder).as_posix()}"
                if installed_name not in record:
                    missing.append(installed_name)
    assert not missing, (
        "not in the wheel (add the package to [tool.setuptools] packages or its data to package-data "
        f"in pyproject.toml): {missing}"
    )
    assert "fake_redcap/fixture/FORMAT.md" in record  # the fixture format's documentation
    assert any(p.startswith("fake_redcap/demo/") and p.endswith(".yaml") for p in record)


def test_a_users_test_file_passes_with_the_plugin(installed: Installed) -> None:
    result = installed.run(installed.bin("python"), "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{USER_TESTS} passed" in result.stdout and "warning" not in result.stdout.lower()
    assert result.stdout.count("were served the bundled demo projects") == 1  # said once, at the end


def test_the_users_test_file_asks_for_every_fixture_the_plugins_page_names() -> None:
    page = (REPO / "docs" / "pytest-plugin.md").read_text(encoding="utf-8")
    table = page.split("| fixture | scope |")[1].split("\n\n")[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE))
    assert "redcap_client_for" in documented and "fake_redcap_servers" in documented
    asked = USER_TEST.split("def test_every_fixture_the_plugins_page_names(")[1].split(")")[0]
    assert documented == {name.strip() for name in asked.split(",") if name.strip()}
    assert USER_TEST.count("\ndef test_") == USER_TESTS


def test_the_wheel_lists_every_folder_it_ships_as_a_package() -> None:
    """setuptools warns of a shipped folder that is not in `packages` ("Package would be ignored")."""
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = set()
    for name, folder in TOP_LEVEL.items():
        for path in _repo_files():
            if path.is_relative_to(REPO / folder) and not path.name.startswith("."):
                parts = path.parent.relative_to(REPO / folder).parts
                folders.add(".".join((name, *parts)))
    assert folders == listed, f"[tool.setuptools] packages in pyproject.toml: add {sorted(folders - listed)}"


def test_version_and_commands(installed: Installed) -> None:
    version = installed.run(installed.bin("fake-redcap"), "--version")
    assert (version.returncode, version.stdout.strip()) == (0, "fake-redcap 0.1.0")
    client_help = installed.run(installed.bin("redcap-file"), "--help")
    assert client_help.returncode == 0 and "export" in client_help.stdout
    check_help = installed.run(installed.bin("fake-redcap"), "check", "--help")  # names the shipped format
    shipped = installed.site_packages / "fake_redcap" / "fixture" / "FORMAT.md"
    assert shipped.is_file() and str(shipped) in "".join(check_help.stdout.split()), check_help.stdout


def test_fake_redcap_contract_runs_the_suite_from_the_installed_copy(installed: Installed) -> None:
    report = installed.user_project / "out" / "contract"
    result = installed.run(installed.bin("fake-redcap"), "contract", "--report", report)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"rootdir: {installed.site_packages / 'fake_redcap_contract'}" in result.stdout
    summary = json.loads(report.with_suffix(".json").read_text())
    assert summary["targets"][0]["label"] == "fake (in-process)"
    last = result.stdout.splitlines()[-1]
    assert re.search(r"\b\d+ passed\b", last) and not re.search(
        r"\b\d+ (failed|errors?|warnings?)\b", last
    ), last


def test_serve_from_the_installed_copy_answers_its_own_curl_line(installed: Installed) -> None:
    """`fake-redcap serve --port 0`, then the `curl` line its banner prints, then `redcap-file`."""
    server = subprocess.Popen(
        [installed.bin("fake-redcap"), "serve", "--port", "0"],
        cwd=installed.user_project,
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(120, server.kill)  # a banner that never ends fails the test, not the run
    watchdog.start()
    try:
        assert server.stdout is not None
        banner = _banner(server.stdout)
        url = banner[0].strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/", url), banner
        curl = next(line.strip() for line in banner if line.strip().startswith("curl "))
        assert url in curl
        fetched = subprocess.run(
            ["bash", "-c", curl], cwd=installed.user_project, capture_output=True, text=True, timeout=60
        )
        assert fetched.returncode == 0, fetched.stderr
        assert fetched.stdout.startswith("HTTP/1.1 200 OK")
        stored = REPO / "fake_redcap" / "demo" / "files" / "consent.pdf"
        assert (installed.user_project / "exported.bin").read_bytes() == stored.read_bytes()
        env = {**_clean_env(), "REDCAP_API_TOKEN": "1401FA4EFA4EFA4EFA4EFA4EFA4EFA4E"}
        (installed.user_project / "out").mkdir(exist_ok=True)
        exported = subprocess.run(
            [installed.bin("redcap-file"), "export", "--url", url, "--record", "1", "--field", "consent_form",
             "-o", installed.user_project / "out", "--overwrite"],
            capture_output=True, text=True, env=env, timeout=60, check=False,
        )  # fmt: skip
        assert (exported.returncode, exported.stdout.strip()) == (
            0,
            str(installed.user_project / "out" / "consent.pdf"),
        )
    finally:
        watchdog.cancel()
        server.terminate()
        server.wait(timeout=30)


def _banner(stream: IO[str]) -> list[str]:
    """What `serve` prints at start, up to its last line (or the end of its output)."""
    lines: list[str] = []
    for line in iter(stream.readline, ""):
        lines.append(line)
        if line.startswith("Ctrl-C stops the server"):
            break
    return lines


def test_a_transcript_written_by_the_installed_suite_replays_without_differences(
    installed: Installed,
) -> None:
    folder = installed.user_project / "out" / "transcript"
    args = ("contract", "--transcript", folder, "--", "-k", "version_is_the_version")
    result = installed.run(installed.bin("fake-redcap"), *args)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (folder / "test_project_exports").is_dir()
    replayed = installed.run(installed.bin("fake-redcap"), "replay", folder)
    assert replayed.returncode == 0, replayed.stdout[-3000:] + replayed.stderr[-3000:]
    assert "0 difference(s)" in replayed.stdout


def test_the_suite_imports_itself_relatively() -> None:
    """Installed, the suite's package is fake_redcap_contract, so `contract_tests` may not be imported
    by name from inside it (`from .helpers import ...`, `from . import sources`)."""
    offenders = [
        f"{path.name}:{number}"
        for path in sorted((REPO / "contract_tests").glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if line.lstrip().startswith(("from contract_tests", "import contract_tests"))
    ]
    assert not offenders, f"import the suite's own modules relatively (from .x import y): {offenders}"

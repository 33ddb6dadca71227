"""`redcap-file`: the token only from the environment and never printed, the path on stdout,
REDCap's message on stderr, distinct exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from redcap_file_client.cli import EXIT_LOCAL, EXIT_NETWORK, EXIT_OK, EXIT_SERVER, EXIT_USAGE, main
from tests.support.client_stub import StubServer, error_response, file_response, response, serve

TOKEN = "8C1F0D6E2B9A47F3A5D2C7B19E04F6A1"
PNG = 'image/png; name="mugshot-1.jpg"'


@pytest.fixture(autouse=True)
def token_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDCAP_API_TOKEN", TOKEN)
    monkeypatch.delenv("REDCAP_API_URL", raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert TOKEN not in out and TOKEN not in err
    return code, out, err


def export_args(stub: StubServer, *extra: str) -> list[str]:
    return ["export", "--url", stub.url, "--record", "1", "--field", "mugshot", "--retries", "0", *extra]


def test_export_prints_the_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with serve(file_response(b"\x89PNG", PNG)) as stub:
        code, out, err = run(capsys, *export_args(stub, "-o", str(tmp_path)))
    assert (code, out, err) == (EXIT_OK, f"{tmp_path / 'mugshot-1.jpg'}\n", "")
    assert (tmp_path / "mugshot-1.jpg").read_bytes() == b"\x89PNG"
    form = dict(stub.requests[0].form_pairs())
    assert form["token"] == TOKEN and form["field"] == "mugshot" and "event" not in form


def test_export_with_event_instance_and_file_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "out.png"
    with serve(file_response(b"\x89PNG", PNG)) as stub:
        code, out, _err = run(
            capsys, *export_args(stub, "--event", "e1", "--instance", "2", "-o", str(target))
        )
    assert (code, out) == (EXIT_OK, f"{target}\n")
    form = dict(stub.requests[0].form_pairs())
    assert (form["event"], form["repeat_instance"]) == ("e1", "2")


def test_url_from_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serve(response(200, b"15.7.6")) as stub:
        monkeypatch.setenv("REDCAP_API_URL", stub.url)
        assert run(capsys, "version") == (EXIT_OK, "15.7.6\n", "")


def test_token_env_chooses_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    other = "0123456789ABCDEF0123456789ABCDEF"
    monkeypatch.setenv("MY_TOKEN", other)
    with serve(response(200, b"15.7.6")) as stub:
        code, out, _err = run(capsys, "version", "--url", stub.url, "--token-env", "MY_TOKEN")
    assert (code, out) == (EXIT_OK, "15.7.6\n")
    assert dict(stub.requests[0].form_pairs())["token"] == other


def test_server_error_message_on_stderr(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    message = "The field 'mugshotttttt' does not exist or is not a 'file' field"
    with serve(error_response(400, "json", message)) as stub:
        code, out, err = run(capsys, *export_args(stub, "-o", str(tmp_path)))
    assert (code, out) == (EXIT_SERVER, "")
    assert message in err and "400" in err
    assert list(tmp_path.iterdir()) == []


def test_network_error_exit_code(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with StubServer(lambda r: response()) as stub:
        args = export_args(stub, "-o", str(tmp_path))
    code, out, err = run(capsys, *args)
    assert (code, out) == (EXIT_NETWORK, "")
    assert "could not reach" in err


def test_existing_file_exit_code(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "mugshot-1.jpg").write_bytes(b"old")
    with serve(file_response(b"new", PNG)) as stub:
        code, _out, err = run(capsys, *export_args(stub, "-o", str(tmp_path)))
        assert code == EXIT_LOCAL and "use --overwrite" in err
        code, _out, _err = run(capsys, *export_args(stub, "-o", str(tmp_path), "--overwrite"))
        assert code == EXIT_OK
    assert (tmp_path / "mugshot-1.jpg").read_bytes() == b"new"


def test_missing_token(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDCAP_API_TOKEN")
    code, _out, err = run(capsys, "version", "--url", "http://127.0.0.1:9/api/")
    assert code == EXIT_USAGE and "REDCAP_API_TOKEN" in err


def test_missing_url(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "version")
    assert code == EXIT_USAGE and "--url" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["version", "--url", "http://127.0.0.1:9/api/", "--token", TOKEN],
        ["version", "--url", "http://127.0.0.1:9/api/", f"--token={TOKEN}"],
        ["version", "--url", "http://127.0.0.1:9/api/", TOKEN],
        ["export", "--url", "http://127.0.0.1:9/api/", "--record", "1", TOKEN],
    ],
)
def test_a_token_on_the_command_line_is_refused_and_never_echoed(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, _err = run(capsys, *argv)  # run() asserts the token is not printed
    assert code == EXIT_USAGE
    assert out == ""


def test_a_token_not_in_the_environment_is_not_echoed_either(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REDCAP_API_TOKEN")
    code, _out, _err = run(capsys, "version", "--url", "http://127.0.0.1:9/api/", "--token", TOKEN)
    assert code == EXIT_USAGE


@pytest.mark.parametrize("instance", ["0", "-1", "x", "1.5"])
def test_bad_instance_is_a_usage_error(capsys: pytest.CaptureFixture[str], instance: str) -> None:
    code, _out, err = run(
        capsys,
        "export",
        "--url",
        "http://127.0.0.1:9/api/",
        "--record",
        "1",
        "--field",
        "f",
        "--instance",
        instance,
    )
    assert code == EXIT_USAGE and "--instance" in err


def test_verbose_logs_without_the_token(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with serve(file_response(b"x", PNG)) as stub:
        code, _out, err = run(capsys, *export_args(stub, "-o", str(tmp_path), "-v"))
    assert code == EXIT_OK
    assert "action=export" in err


def test_progress_bar_only_on_a_terminal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b"x" * (3 * 1024 * 1024)
    with serve(file_response(data, PNG)) as stub:
        code, _out, err = run(capsys, *export_args(stub, "-o", str(tmp_path / "a.png")))
        assert (code, err) == (EXIT_OK, "")
        monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
        code, out, err = run(capsys, *export_args(stub, "-o", str(tmp_path / "b.png")))
        assert code == EXIT_OK
        assert "3.00M" in err
        assert out == f"{tmp_path / 'b.png'}\n"
        code, _out, err = run(capsys, *export_args(stub, "-o", str(tmp_path / "c.png"), "--no-progress"))
        assert (code, err) == (EXIT_OK, "")


def test_no_bar_for_small_files_on_a_terminal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serve(file_response(b"x" * 1000, PNG)) as stub:
        monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
        code, _out, err = run(capsys, *export_args(stub, "-o", str(tmp_path)))
    assert (code, err) == (EXIT_OK, "")


def test_the_module_runs_as_a_program() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "redcap_file_client", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0
    assert "export" in done.stdout and "version" in done.stdout

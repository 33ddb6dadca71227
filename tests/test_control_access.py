"""Who may use the fake's own surface (`/__fake__/...` and the page): only the test harness, proven by the
server's control secret, calling the server by its own name. Attacks as a web page or a stranger would
make them, against a real server on 127.0.0.1; every route is taken from the app's URL map, so a route
added later is covered without touching this file.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.routing import Rule

from fake_redcap import FakeServer, FakeState, demo_fixture_paths
from fake_redcap.control import API_PATHS, CONTROL_HEADER, ControlSecretError, is_loopback
from fake_redcap.faults import Fault

FULL = "1401FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # demo project 14, full_user
IMPORTER = "1412FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # demo project 14, importer_user
ALL_DEMO_TOKENS = [f"14{n:02d}" + "FA4E" * 7 for n in range(1, 13)] + [
    f"15{n:02d}" + "FA4E" * 7 for n in range(1, 7)
]
PYTHON = [sys.executable, "-m", "fake_redcap"]
TIMEOUT = 20.0  # a hang guard, not a measure
# What only an answer that exposes project data holds: titles, user names, stored file names.
PROJECT_DATA = ("Export File demo", "full_user", "deid_user", "consent.pdf", "lab_1.csv", "1401")
EVIL = "http://evil.example"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer(FakeState(), "127.0.0.1", 0) as running:
        yield running


@pytest.fixture
def fake(server: FakeServer) -> FakeServer:
    if [p.resolve() for p in server.state.fixtures] != [p.resolve() for p in demo_fixture_paths()]:
        server.state.load(demo_fixture_paths(), replace=True)
    server.state.reset()
    return server


def proven(server: FakeServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {**server.control_headers, **kwargs.pop("headers", {})}
    return requests.request(method, server.base_url + path, headers=headers, timeout=10, **kwargs)


def bare(server: FakeServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, server.base_url + path, timeout=10, allow_redirects=False, **kwargs)


def assert_refused(answer: requests.Response, status: int, says: str) -> None:
    assert answer.status_code == status, (answer.status_code, answer.text[:300])
    body = answer.json()
    assert says in body["error"], body
    assert body["fix"], body
    for text in PROJECT_DATA:
        assert text not in answer.text


def export_lab(server: FakeServer) -> None:
    params = {"token": FULL, "content": "file", "action": "export", "record": "1", "field": "lab_report"}
    assert requests.post(server.url, data=params, timeout=10).status_code == 200


# ---------------------------------------------------------------------------------------------------------
# Every route but the API's, from the URL map


def guarded_routes(server: FakeServer) -> list[tuple[str, str]]:
    """(method, path) of every route the app has outside the emulated API, with sample arguments."""
    routes: list[tuple[str, str]] = []
    for rule in server.app.url_map.iter_rules():
        if rule.rule in API_PATHS:
            continue
        path = _sample_path(rule)
        routes.extend((method, path) for method in sorted(rule.methods or ()) if method != "OPTIONS")
    return routes


def _sample_path(rule: Rule) -> str:
    samples = {"project_id": "14", "filename": "x"}
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: samples.get(m.group(1), "1"), rule.rule)
    if "/files/" in path:
        path += "?record=2&field=consent_form"  # an Identifier-tagged file (issue 12)
    return path


def test_the_url_map_is_what_this_file_expects(server: FakeServer) -> None:
    paths = {path for _, path in guarded_routes(server)}
    assert {"/", "/__fake__/state", "/__fake__/reset", "/__fake__/load", "/__fake__/faults"} <= paths
    assert any(p.startswith("/__fake__/files/14?") for p in paths)


def test_no_route_outside_the_api_answers_without_the_proof(fake: FakeServer) -> None:
    export_lab(fake)
    fake.state.faults.add(Fault("delay", match={"record": "1"}, times=None))
    before = json.dumps(proven(fake, "GET", "/__fake__/state").json())
    for method, path in guarded_routes(fake):
        for headers in ({}, {CONTROL_HEADER: "not-the-secret-at-all"}, {"Cookie": "fake_redcap_control_1=x"}):
            answer = bare(
                fake, method, path, headers=headers, json={"fixtures": [str(demo_fixture_paths()[0])]}
            )
            if path == "/" and method in ("GET", "HEAD") and not headers.get(CONTROL_HEADER):
                assert answer.status_code == 200  # the landing page: how to open the page, no data
                for text in PROJECT_DATA:
                    assert text not in answer.text, (path, text)
                continue
            assert answer.status_code == 403, (method, path, headers, answer.status_code)
            if method != "HEAD":
                assert_refused(answer, 403, "")
    # Nothing was changed, and the journal and faults are still there to read.
    assert json.dumps(proven(fake, "GET", "/__fake__/state").json()) == before
    assert len(fake.state.journal.entries()) == 1 and len(fake.state.faults.active()) == 1


def test_the_landing_page_tells_how_to_open_the_page(fake: FakeServer) -> None:
    answer = bare(fake, "GET", "/")
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert f"{fake.base_url}/?control=SECRET" in answer.text
    assert fake.control_secret not in answer.text


def test_the_identifier_file_needs_the_proof(fake: FakeServer) -> None:
    path = "/__fake__/files/14?record=2&field=consent_form"
    assert_refused(bare(fake, "GET", path), 403, "needs proof that the caller is the test harness")
    stored = next(r for r in fake.state.projects[0].records if r.record == "2").files["consent_form"]
    assert proven(fake, "GET", path).content == stored.read_bytes()


def test_a_proven_request_for_a_wrong_path_or_method_gets_json(fake: FakeServer) -> None:
    assert_refused(proven(fake, "GET", "/__fake__/nothing-here"), 404, "there is no control endpoint")
    assert_refused(proven(fake, "PUT", "/__fake__/reset"), 405, "does not take PUT")
    assert_refused(bare(fake, "GET", "/__fake__/nothing-here"), 403, "needs proof")


def test_a_failure_inside_a_control_route_is_json_without_a_traceback(
    fake: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> list[Any]:
        raise RuntimeError("a bug in the fake at /secret/place.py")

    monkeypatch.setattr(fake.state.journal, "entries", broken)
    answer = proven(fake, "GET", "/__fake__/requests")
    assert_refused(answer, 500, "the fake failed while answering /__fake__/requests (RuntimeError)")
    assert "Traceback" not in answer.text and "/secret/place.py" not in answer.text


def test_reset_with_a_fixture_broken_since_load_keeps_the_projects(fake: FakeServer, tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(
        "project: {project_id: 77, title: Tiny}\nfields:\n  - {name: record_id, form: main, type: text}\n",
        encoding="utf-8",
    )
    assert proven(fake, "POST", "/__fake__/load", json={"fixtures": [str(path)]}).status_code == 200
    path.write_text("fields: [unclosed\n", encoding="utf-8")
    answer = proven(fake, "POST", "/__fake__/reset")
    assert answer.status_code == 409
    assert "reset kept the served projects" in answer.json()["error"] and answer.json()["fix"]
    assert [p.project_id for p in fake.state.projects] == [14, 15, 77]


# ---------------------------------------------------------------------------------------------------------
# A web page elsewhere: cross-site forms, rebinding, other origins


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("reset", None),
        ("load", {"fixtures": "/etc/passwd.yaml", "replace": "true"}),
        ("faults", {"kind": "http_error", "status": "502"}),
        ("faults/seed", {"seed": "1"}),
    ],
)
@pytest.mark.parametrize("form_type", ["urlencoded", "multipart", "text/plain"])
def test_a_cross_site_form_post_changes_nothing(
    fake: FakeServer, name: str, body: dict[str, str] | None, form_type: str
) -> None:
    export_lab(fake)  # reset would clear it
    fields = body or {"x": "1"}
    headers = {"Origin": EVIL, "Referer": EVIL + "/attack.html"}
    if form_type == "urlencoded":
        answer = bare(fake, "POST", f"/__fake__/{name}", data=fields, headers=headers)
    elif form_type == "multipart":
        answer = bare(fake, "POST", f"/__fake__/{name}", files={k: (None, v) for k, v in fields.items()})
    else:
        text = "\n".join(f"{k}={v}" for k, v in fields.items())
        answer = bare(
            fake, "POST", f"/__fake__/{name}", data=text, headers={**headers, "Content-Type": "text/plain"}
        )
    assert answer.status_code in (403, 415)
    assert answer.json()["error"] and answer.json()["fix"]
    assert len(fake.state.journal.entries()) == 1
    assert fake.state.faults.active() == []
    assert [p.project_id for p in fake.state.projects] == [14, 15]


def test_a_form_body_is_refused_even_with_the_header(fake: FakeServer) -> None:
    answer = proven(fake, "POST", "/__fake__/faults", data={"kind": "drop"})
    assert_refused(answer, 415, "take JSON, not 'application/x-www-form-urlencoded'")
    assert fake.state.faults.active() == []


def test_another_origin_is_refused_even_with_the_header(fake: FakeServer) -> None:
    for origin in (EVIL, "null", "http://127.0.0.1:1"):
        answer = proven(fake, "POST", "/__fake__/reset", headers={"Origin": origin})
        assert_refused(answer, 403, "from another origin")
    answer = proven(fake, "POST", "/__fake__/reset", headers={"Origin": fake.base_url})
    assert answer.json() == {"status": "reset", "projects": 2}


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example:{port}", "127.0.0.1:1", "[::2]:{port}"],
)
def test_a_forged_host_reads_nothing_even_with_the_secret(fake: FakeServer, host: str) -> None:
    forged = host.format(port=fake.port)
    for path in (
        "/__fake__/state",
        "/__fake__/files/14?record=2&field=consent_form",
        "/",
        "/__fake__/requests",
    ):
        answer = proven(fake, "GET", path, headers={"Host": forged})
        assert_refused(answer, 403, "does not name this server")
    answer = proven(fake, "POST", "/__fake__/reset", headers={"Host": forged})
    assert_refused(answer, 403, "does not name this server")


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST"])
def test_the_loopback_names_at_the_served_port_are_accepted(fake: FakeServer, name: str) -> None:
    answer = proven(fake, "GET", "/__fake__/health", headers={"Host": f"{name}:{fake.port}"})
    assert answer.json() == {"status": "ok", "projects": 2}


def test_the_api_itself_keeps_redcaps_rules(fake: FakeServer) -> None:
    """No control proof and no Host check on /api/: REDCap's own answers, token first."""
    params = {"token": FULL, "content": "version"}
    answer = requests.post(
        fake.url, data=params, headers={"Host": "evil.example", "Origin": EVIL}, timeout=10
    )
    assert answer.status_code == 200


# ---------------------------------------------------------------------------------------------------------
# The page in a browser: the secret once, then a cookie that reads only


def test_the_page_url_trades_the_secret_for_a_strict_read_only_cookie(fake: FakeServer) -> None:
    with requests.Session() as browser:
        login = browser.get(fake.page_url + "&refresh=0", allow_redirects=False, timeout=10)
        assert login.status_code == 303 and login.headers["Location"] == "/?refresh=0"
        cookie = login.headers["Set-Cookie"]
        assert cookie.startswith(f"fake_redcap_control_{fake.port}=")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        assert fake.control_secret not in cookie
        page = browser.get(fake.base_url + "/?refresh=0", timeout=10)
        assert "Project 14: Export File demo" in page.text
        assert browser.get(fake.base_url + "/__fake__/state", timeout=10).status_code == 200
        # Reading only: the cookie changes nothing.
        assert_refused(browser.post(fake.base_url + "/__fake__/reset", timeout=10), 403, "reading only")
        # Not for a request another page started (another port of 127.0.0.1 is the same site).
        for site in ("cross-site", "same-site"):
            answer = browser.get(
                fake.base_url + "/__fake__/state", headers={"Sec-Fetch-Site": site}, timeout=10
            )
            assert_refused(answer, 403, "needs proof")
        assert browser.get(fake.base_url + "/", headers={"Sec-Fetch-Site": "same-origin"}, timeout=10).ok


def test_a_wrong_secret_in_the_page_url_is_refused(fake: FakeServer) -> None:
    answer = bare(fake, "GET", "/?control=guessed-guessed-guessed")
    assert_refused(answer, 403, "does not hold this server's control secret")
    assert "Set-Cookie" not in answer.headers


def test_each_server_has_its_own_random_secret() -> None:
    one, two = FakeServer(FakeState([])), FakeServer(FakeState([]))
    assert one.control_secret != two.control_secret and len(one.control_secret) >= 32
    given = FakeServer(FakeState([]), control_secret="my-own-secret-0123456789")
    assert given.control_headers == {CONTROL_HEADER: "my-own-secret-0123456789"}


@pytest.mark.parametrize("secret", ["short", "has spaces in it, sixteen+", "x" * 201])
def test_a_control_secret_that_cannot_serve_is_refused(secret: str) -> None:
    with pytest.raises(ControlSecretError, match=re.escape("16 to 200 letters, digits or ._~-")):
        FakeServer(FakeState([]), control_secret=secret)


# ---------------------------------------------------------------------------------------------------------
# load: fixture files only, and the same answer for anything else


def test_an_empty_load_with_replace_is_refused_and_reset_still_restores(fake: FakeServer) -> None:
    for replace in (True, False):
        answer = proven(fake, "POST", "/__fake__/load", json={"fixtures": [], "replace": replace})
        assert answer.status_code == 400
        assert "name at least one fixture file" in answer.json()["error"]
    assert [p.project_id for p in fake.state.projects] == [14, 15]
    assert proven(fake, "POST", "/__fake__/reset").json() == {"status": "reset", "projects": 2}


def test_load_says_the_same_of_every_path_that_is_not_a_fixture(fake: FakeServer, tmp_path: Path) -> None:
    config = tmp_path / "settings.yaml"
    config.write_text("database_password_key: hunter2\nother: 1\n", encoding="utf-8")
    listing = tmp_path / "list.json"
    listing.write_text('{"private_key_name": "x"}', encoding="utf-8")
    scalar = tmp_path / "scalar.yml"
    scalar.write_text("just a string\n", encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [unclosed\n", encoding="utf-8")
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "passwd.yaml").symlink_to("/etc/passwd")
    unreadable = tmp_path / "unreadable.yaml"
    unreadable.write_text("fields: []\n", encoding="utf-8")
    unreadable.chmod(0)
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # opening it would block: it must not be opened
    candidates = [
        "/etc/passwd",
        "/etc/hostname",
        "/nonexistent/project.yaml",
        str(tmp_path / "missing.yaml"),
        str(config),
        str(listing),
        str(scalar),
        str(broken),
        str(tmp_path / "folder.yaml"),
        str(tmp_path / "passwd.yaml"),
        str(fifo),
        "",
    ]
    if os.geteuid() != 0:  # root reads a file whatever its mode
        candidates.append(str(unreadable))
    answers = set()
    for path in candidates:
        answer = proven(fake, "POST", "/__fake__/load", json={"fixtures": [path]})
        assert answer.status_code == 400, path
        body = answer.json()
        answers.add((body["error"].replace(repr(path), "PATH"), body.get("fix")))
        for secret in ("database_password_key", "hunter2", "private_key_name", "root:", "just a string"):
            assert secret not in answer.text
    assert len(answers) == 1, answers
    assert "not a fixture file this server can read" in answers.pop()[0]
    assert [p.project_id for p in fake.state.projects] == [14, 15]


def test_load_still_explains_what_is_wrong_with_a_fixture(fake: FakeServer, tmp_path: Path) -> None:
    path = tmp_path / "nearly.yaml"
    path.write_text(
        "project: {project_id: 88, title: Nearly}\nfields:\n  - {name: record_id, form: main, type: text}\n"
        "users:\n  - {username: u, token: 8801ABCDABCDABCDABCDABCDABCDABCD, data_export: fuller}\n",
        encoding="utf-8",
    )
    answer = proven(fake, "POST", "/__fake__/load", json={"fixtures": [str(path)]})
    assert answer.status_code == 400
    assert "users[0].data_export" in answer.json()["error"]
    assert "8801ABCDABCDABCDABCDABCDABCDABCD" not in answer.text


# ---------------------------------------------------------------------------------------------------------
# A fault's match.user given as a token


def test_a_token_as_match_user_is_refused_and_a_served_token_in_a_match_is_masked(
    fake: FakeServer,
) -> None:
    unserved = "ABCDEF0123456789ABCDEF0123456789"
    for value in (FULL, unserved, FULL.lower(), f" {FULL} "):
        refused = proven(fake, "POST", "/__fake__/faults", json={"kind": "delay", "match": {"user": value}})
        assert refused.status_code == 400
        assert value.strip().lower() not in refused.text.lower()
    added = proven(fake, "POST", "/__fake__/faults", json={"kind": "delay", "match": {"record": FULL}})
    assert added.status_code == 200
    assert added.json()["match"] == {"record": FULL[:4] + "…"}
    shown = [
        proven(fake, "GET", "/__fake__/faults").text,
        proven(fake, "GET", "/?refresh=0").text,
        json.dumps([e.to_json() for e in fake.state.journal.entries()]),
        proven(fake, "GET", "/__fake__/requests").text,
    ]
    for text in shown:
        for token in (FULL, unserved):
            assert token.lower() not in text.lower()
    assert "record=1401…" in shown[1]


# ---------------------------------------------------------------------------------------------------------
# Listening beyond loopback


def test_only_loopback_counts_as_loopback() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "192.168.1.5", "example.org", ""]))


def test_fakeserver_refuses_a_public_host_without_allow_remote() -> None:
    with pytest.raises(ValueError, match=r"refusing to listen on 0\.0\.0\.0.*allow_remote=True"):
        FakeServer(FakeState([]), "0.0.0.0", 0)


def test_serve_refuses_a_public_host_without_the_flag() -> None:
    result = subprocess.run(
        [*PYTHON, "serve", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--host 0.0.0.0 would let other machines reach the fake" in result.stderr
    assert "--allow-remote" in result.stderr and "Traceback" not in result.stderr


def test_serve_with_allow_remote_warns_what_becomes_reachable() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "FAKE_REDCAP_CONTROL_SECRET": "remote-test-secret-0123"}
    process = subprocess.Popen(
        [*PYTHON, "serve", "--host", "0.0.0.0", "--port", "0", "--allow-remote"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stderr is not None and process.stdout is not None
        url = process.stdout.readline().strip()
        warning = process.stderr.readline()
        assert "WARNING: listening on 0.0.0.0:" in warning
        for reachable in ("/api/", "tokens", "stored file", "/__fake__/", "control secret"):
            assert reachable in warning
        port = url.rsplit(":", 1)[1].split("/")[0]
        local = f"http://127.0.0.1:{port}/__fake__/health"
        headers = {CONTROL_HEADER: "remote-test-secret-0123"}
        assert requests.get(local, headers=headers, timeout=10).json()["status"] == "ok"
        assert requests.get(local, headers={**headers, "Host": "evil.example"}, timeout=10).status_code == 403
        assert requests.get(local, timeout=10).status_code == 403
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=TIMEOUT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


def test_load_takes_a_project_xml_alone(fake: FakeServer, tmp_path: Path) -> None:
    """A REDCap project XML is a fixture on its own (`serve --fixture X.xml`), so `load` takes it too; an
    XML that is not CDISC ODM, or declares entities, gets the same answer as any other non-fixture."""
    xml = tmp_path / "project.xml"
    xml.write_bytes((Path(__file__).parent / "data" / "pycap" / "test_simple_project.xml").read_bytes())
    answer = proven(fake, "POST", "/__fake__/load", json={"fixtures": [str(xml)]})
    assert answer.status_code == 200, answer.text
    loaded = fake.state.served[-1].project
    assert loaded.source == xml.resolve() and [u.username for u in loaded.users] == ["owner"]
    version = requests.post(fake.url, data={"token": loaded.users[0].token, "content": "version"}, timeout=10)
    assert version.status_code == 200
    other = tmp_path / "other.xml"
    other.write_text('<?xml version="1.0"?><config><password>hunter2</password></config>', encoding="utf-8")
    entity = tmp_path / "entity.xml"
    entity.write_text(
        '<?xml version="1.0"?><!DOCTYPE ODM [<!ENTITY x "y">]><ODM xmlns="http://www.cdisc.org/ns/odm/v1.3"/>',
        encoding="utf-8",
    )
    for path in (other, entity, tmp_path / "missing.xml"):
        answer = proven(fake, "POST", "/__fake__/load", json={"fixtures": [str(path)]})
        assert answer.status_code == 400
        assert "not a fixture file this server can read" in answer.json()["error"]
        assert "hunter2" not in answer.text

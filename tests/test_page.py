"""`GET /`: the page that shows what the fake serves and what it was asked, and its file downloads."""

from __future__ import annotations

import io
import re
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient

from fake_redcap import FakeState, create_app
from fake_redcap.control import CONTROL_HEADER, access_of
from fake_redcap.faults import Fault
from fake_redcap.model import Project
from tests.support import CLASSIC_EXTRA_FILES, NO_PERMISSION, classic_fixture, write_fixture

FULL = "1401FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
DEID = "1402FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
IMPORTER = "1412FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
NASTY_TOKEN = "7701ABCDABCDABCDABCDABCDABCDABCD"
NASTY_NAME = (
    "<img src=x onerror=alert('x')>; O'Brien & <b> 100% résumé.txt"  # stored names hold no " / or backslash
)


class Page(HTMLParser):
    """The parts of the page a reader sees: text, links, tags, and table rows."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.links: list[tuple[str, str]] = []
        self.rows: list[list[str]] = []
        self._text: list[str] = []
        self._href: str | None = None
        self._link_text: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(html)
        self.close()

    @property
    def text(self) -> str:
        return " ".join("".join(self._text).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "a":
            self._href, self._link_text = dict(attrs).get("href") or "", []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._link_text)))
            self._href = None
        elif tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join(" ".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        self._text.append(data + " ")
        if self._href is not None:
            self._link_text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def row_with(self, *cells: str) -> list[str]:
        for row in self.rows:
            if all(any(cell == c for c in row) for cell in cells):
                return row
        raise AssertionError(f"no table row has cells {cells}; rows: {self.rows}")


def harness(state: FakeState) -> FlaskClient:
    """A test client that sends the control proof with every request, as the test harness does."""
    app = create_app(state)
    client = app.test_client()
    client.environ_base.update({"HTTP_" + CONTROL_HEADER.upper().replace("-", "_"): access_of(app).secret})
    return client


@pytest.fixture
def demo() -> tuple[FakeState, FlaskClient]:
    state = FakeState()
    return state, harness(state)


def page(client: FlaskClient, query: str = "") -> Page:
    answer = client.get("/" + query)
    assert answer.status_code == 200
    assert answer.mimetype == "text/html"
    return Page(answer.get_data(as_text=True))


def export(client: FlaskClient, token: str, **more: str) -> None:
    params = {"token": token, "content": "file", "action": "export", "record": "1", "field": "lab_report"}
    client.post("/api/", data={**params, "returnFormat": "json", **more}).get_data()  # read: sent whole


def test_the_page_is_plain_html_that_refreshes_itself(demo: tuple[FakeState, FlaskClient]) -> None:
    _, client = demo
    answer = client.get("/")
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src" not in answer.headers["Content-Security-Policy"]  # default-src 'none' covers it
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
    shown = Page(answer.get_data(as_text=True))
    assert ("meta", {"http-equiv": "refresh", "content": "5"}) in shown.tags
    assert not any(tag == "script" for tag, _ in shown.tags)
    assert not any(
        tag == "meta" and attrs.get("http-equiv") for tag, attrs in page(client, "?refresh=0").tags
    )
    assert "API URL: http://localhost/api/" in shown.text


def test_projects_fields_events_and_repeating_set_up(demo: tuple[FakeState, FlaskClient]) -> None:
    _, client = demo
    shown = page(client)
    assert "Project 14: Export File demo (classic)" in shown.text
    assert "Project 15: Export File demo (longitudinal)" in shown.text
    assert shown.row_with("consent_form", "enrollment")[2] == "file identifier"
    assert shown.row_with("participant_signature", "enrollment")[2] == "file signature"
    assert shown.row_with("record_id record ID", "enrollment")[2] == "text"
    assert shown.row_with("visit_2_arm_1") == [
        "1 Treatment",
        "visit_2_arm_1",
        "Visit 2",
        "visit",
        "repeating event",
    ]
    assert shown.row_with("visit_1_arm_1")[4] == "repeating: labs"
    assert shown.row_with("followup_arm_2")[0] == "2 Control"
    assert "instrument labs repeats" in shown.text  # classic project 14
    assert "instrument labs repeats in event visit_1_arm_1" in shown.text
    assert "event visit_2_arm_1: the whole event repeats" in shown.text
    assert ("#project-15", "15 Export File demo (longitudinal)") in shown.links
    assert ("#requests", "latest requests (0)") in shown.links


def test_users_with_rights_and_masked_tokens_only(demo: tuple[FakeState, FlaskClient]) -> None:
    state, client = demo
    shown = page(client)
    assert shown.row_with("deid_user", "1402…") == [
        "deid_user",
        "1402…",
        "De-Identified",
        "API export",
        "",
        "",
        "active",
    ]
    assert shown.row_with("importer_user", "1412…")[3] == "API export, API import, record delete"
    assert shown.row_with("expired_user")[6] == "expired 2024-01-31"
    assert shown.row_with("suspended_user")[6] == "suspended"
    assert shown.row_with("super_user")[6] == "super user, expired 2024-01-31"
    mixed = shown.row_with("mixed_full_user")[2]
    assert mixed.startswith("Full Data Set (per form: enrollment: De-Identified, labs: Remove All Identifier")

    # A token sent where no token belongs is masked in the request list too.
    export(client, FULL, note=FULL.lower(), record=f"x{DEID}y")
    html = client.get("/").get_data(as_text=True)
    tokens = [u.token for p in state.projects for u in p.users]
    assert len(tokens) == 18
    for token in tokens:
        assert token.lower() not in html.lower()
    assert "x1402…y" in Page(html).text


def test_data_access_groups_roles_and_members_are_shown(tmp_path: Path) -> None:
    """A user in a role shows the role's rights; each DAG its users and records; each role its users."""
    doc = classic_fixture()
    doc["dags"] = [{"name": "Site A"}]
    doc["roles"] = [
        {
            "unique_role_name": "U-111ACDEFHJ",
            "label": "Importers",
            "data_export": "full",
            "api_export": True,
            "api_import": True,
        }
    ]
    doc["users"][0].update(role="U-111ACDEFHJ", dag="site_a")
    doc["records"][0]["dag"] = "site_a"
    state = FakeState([write_fixture(tmp_path, doc, CLASSIC_EXTRA_FILES)])
    shown = page(harness(state))
    user = doc["users"][0]["username"]
    row = shown.row_with(user)
    assert row[3] == "API export, API import" and row[4:6] == ["U-111ACDEFHJ", "site_a"]
    assert shown.row_with("Site A") == ["Site A", "site_a", "1", user, "1"]
    assert shown.row_with("Importers") == ["Importers", "U-111ACDEFHJ", user]


def test_every_stored_file_has_a_download_link_that_gives_its_bytes(
    demo: tuple[FakeState, FlaskClient],
) -> None:
    state, client = demo
    shown = page(client)
    downloads = [(href, text) for href, text in shown.links if href.startswith("/__fake__/files/")]
    expected = [(p, r, f, s) for p in state.projects for r in p.records for f, s in r.files.items()]
    assert len(downloads) == len(expected) == 21
    for (href, text), (project, row, field, stored) in zip(downloads, expected, strict=True):
        assert text == stored.name
        answer = client.get(href)
        assert answer.status_code == 200, href
        assert answer.data == stored.read_bytes()
        assert answer.headers["Content-Type"].split(";")[0] == stored.mime
        assert answer.headers["Content-Length"] == str(stored.size)
        disposition = answer.headers["Content-Disposition"]
        assert disposition.startswith("attachment; ")
        assert urllib.parse.unquote(disposition.split("filename*=UTF-8''")[1]) == stored.name
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
        assert query["record"] == [row.record] and query["field"] == [field]
        assert href.startswith(f"/__fake__/files/{project.project_id}?")
    where = shown.row_with("lab_2.txt")
    assert where[:2] == ["record 1, instance 2", "lab_report"]
    assert shown.row_with("visit_photo_2.png")[0] == "record 101, visit_2_arm_1, instance 2"
    assert shown.row_with("locked.txt")[0] == "record L1 (record locked)"
    assert shown.row_with("locked_form.txt")[0] == "record L2 (documents locked)"


def test_a_download_names_awkward_files_safely(demo: tuple[FakeState, FlaskClient]) -> None:
    _, client = demo
    answer = client.get("/__fake__/files/14?record=3&field=study_document")
    assert answer.headers["Content-Disposition"] == (
        "attachment; filename=\"r_sum_;v2=final.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9%3Bv2%3Dfinal.txt"
    )
    answer = client.get("/__fake__/files/14?record=2&field=consent_form")
    assert answer.headers["Content-Disposition"] == (
        "attachment; filename=\"O'Brien consent.pdf\"; filename*=UTF-8''O%27Brien%20consent.pdf"
    )
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("/__fake__/files/99?record=1&field=consent_form", "no project 99 is served"),
        ("/__fake__/files/14?record=4&field=consent_form", "project 14 holds no file at record '4'"),
        ("/__fake__/files/14?record=2&field=lab_report", "holds no file"),
        ("/__fake__/files/14?record=1&field=lab_report&instance=3", "instance 3"),
        (
            "/__fake__/files/14?record=1&field=lab_report&instance=x",
            "instance must be a positive whole number",
        ),
        ("/__fake__/files/15?record=101&field=lab_report", "event None"),  # longitudinal: event needed
    ],
)
def test_a_missing_download_is_404_with_a_reason(
    demo: tuple[FakeState, FlaskClient], url: str, says: str
) -> None:
    _, client = demo
    answer = client.get(url)
    assert answer.status_code == 404
    assert says in answer.get_data(as_text=True)


def test_an_uploaded_file_shows_and_downloads(demo: tuple[FakeState, FlaskClient]) -> None:
    _, client = demo
    client.post(
        "/api/",
        data={
            "token": IMPORTER,
            "content": "file",
            "action": "import",
            "record": "2",
            "field": "lab_report",
            "file": (__import__("io").BytesIO(b"uploaded lab\n"), "uploaded.csv"),
        },
    )
    shown = page(client)
    href = next(h for h, text in shown.links if text == "uploaded.csv")
    assert client.get(href).data == b"uploaded lab\n"
    assert shown.row_with("uploaded.csv")[:2] == ["record 2", "lab_report"]


def test_latest_requests_newest_first_with_their_outcome(demo: tuple[FakeState, FlaskClient]) -> None:
    state, client = demo
    export(client, FULL)
    export(client, DEID, field="consent_form")
    export(client, "0" * 32)
    state.faults.add(Fault("drop", after_bytes=5))
    answer = client.post(
        "/api/",
        data={"token": FULL, "content": "file", "action": "export", "record": "1", "field": "lab_report"},
    )
    with pytest.raises(ConnectionAbortedError):
        answer.get_data()
    export(client, FULL, event="baseline_arm_1")
    state.faults.add(Fault("http_error", status=502, times=None, match={"user": "deid_user"}))

    shown = page(client)
    requests = [row for row in shown.rows if row and row[0].isdigit()]
    assert [row[0] for row in requests] == ["5", "4", "3", "2", "1"]
    by_seq = {row[0]: row for row in requests}
    assert by_seq["1"][2:5] == ["full_user", "14", "POST file/export"]
    assert by_seq["1"][5] == "record='1' field='lab_report' returnFormat='json'"
    assert by_seq["1"][6:] == ["200 ok", "59"]
    assert by_seq["2"][6].startswith("403 error: The API request cannot complete because this File Upload")
    assert by_seq["3"][2] == "<unknown token>"
    assert by_seq["3"][6] == f"403 error: {NO_PERMISSION}"
    assert by_seq["4"][6:] == ["200 fault: drop", "5 (cut off)"]
    assert by_seq["5"][6] == "200 ok lint: event was sent to a classic project; REDCap ignores it"
    assert "#2 http_error (502) on user=deid_user, sticky" in shown.text
    assert "Newest first; 5 of 5." in shown.text


def test_only_the_latest_fifty_requests_are_listed(demo: tuple[FakeState, FlaskClient]) -> None:
    _, client = demo
    for _ in range(55):
        client.post("/api/", data={"token": FULL, "content": "version"})
    shown = page(client)
    seqs = [int(row[0]) for row in shown.rows if row and row[0].isdigit()]
    assert seqs == list(range(55, 5, -1))
    assert "Newest first; 50 of 55." in shown.text


def _nasty_fixture(folder: Path) -> Path:
    doc: dict[str, Any] = {
        "project": {"project_id": 77, "title": "<i>Title</i> & \"quotes\" 'single'"},
        "redcap_version": "15.7.6",
        "fields": [
            {"name": "record_id", "form": "main", "type": "text", "label": "<b>ID</b>"},
            {"name": "scan", "form": "main", "type": "file", "label": "Scan <img src=x onerror=alert(1)>"},
        ],
        "users": [{"username": "alice", "token": NASTY_TOKEN, "data_export": "full"}],
        "records": [{"record": "1", "files": {"scan": {"text": "nasty\n", "name": NASTY_NAME}}}],
    }
    path = folder / "nasty.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_everything_shown_is_escaped(tmp_path: Path) -> None:
    state = FakeState([_nasty_fixture(tmp_path)])
    client = harness(state)
    client.post(
        "/api/",
        data={
            "token": NASTY_TOKEN,
            "content": "file",
            "action": "export",
            "record": "<img src=x onerror=alert(2)>",
            "field": 'scan"><script>alert(3)</script>',
        },
    )
    html = client.get("/").get_data(as_text=True)
    shown = Page(html)
    assert {tag for tag, _ in shown.tags} <= {
        "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "code", "a", "span",
        "section", "table", "tr", "th", "td", "ul", "li", "div",
    }  # fmt: skip
    assert not any(attrs.get("onerror") for _, attrs in shown.tags)
    assert "Project 77: <i>Title</i> & \"quotes\" 'single'" in shown.text
    assert "Scan <img src=x onerror=alert(1)>" in shown.text
    assert "record='<img src=x onerror=alert(2)>'" in shown.text
    assert "<script>alert(3)</script>" in shown.text
    link = next(href for href, text in shown.links if text == NASTY_NAME)
    answer = client.get(link)
    assert answer.data == b"nasty\n"
    disposition = answer.headers["Content-Disposition"]
    assert urllib.parse.unquote(disposition.split("filename*=UTF-8''")[1]) == NASTY_NAME
    assert re.fullmatch(r'attachment; filename="[ -~]*"; filename\*=UTF-8\'\'[A-Za-z0-9%._~-]+', disposition)
    assert NASTY_TOKEN not in html


def test_no_projects(tmp_path: Path) -> None:
    state = FakeState([])
    client = harness(state)
    shown = page(client)
    assert "No projects are served." in shown.text
    assert "No API requests yet." in shown.text


def test_a_project_without_files_or_repeating(tmp_path: Path, demo: tuple[FakeState, FlaskClient]) -> None:
    path = _nasty_fixture(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").split("records:")[0], encoding="utf-8")
    state = FakeState([path])
    project: Project = state.projects[0]
    assert project.records == ()
    shown = page(harness(state))
    assert "No stored files." in shown.text
    assert "Nothing repeats." in shown.text


def test_the_file_repository_and_the_log_size(demo: tuple[FakeState, FlaskClient]) -> None:
    state, client = demo
    importer = next(u.token for p in state.projects for u in p.users if u.username == "importer_user")
    base = {"token": importer, "content": "fileRepository", "returnFormat": "json"}
    assert "The File Repository is empty." in page(client).text
    assert client.post("/api/", data={**base, "action": "createFolder", "name": "scans"}).status_code == 200
    form = {**base, "action": "import", "folder_id": "1", "file": (io.BytesIO(b"%PDF-1.4\n"), "a.pdf")}
    assert client.post("/api/", data=form, content_type="multipart/form-data").status_code == 200
    shown = page(client)
    assert shown.row_with("/", "scans/")[2] == "folder_id 1"
    row = shown.row_with("/scans", "a.pdf")
    assert row[3:] == ["application/pdf", "9"]
    assert "Log: 2 rows since the last load or reset" in shown.text

"""Build the reference projects on a REDCap server through its API, with one Super API Token.

    fake-redcap provision --url https://redcap.example.edu/api/ --super-token-env RC_SUPER --out target.yaml

(or `python -m contract_tests.provision ...` in a clone). For each reference fixture it creates the
project (`content=project`, the super token's user becomes its creator, REDCap's answer is the
creator's project token), imports the data dictionary, arms, events, instrument designations and
repeating set-up from `reference/redcap_import/`, the records, the users with the rights the fixture
gives them, and uploads the stored files. It writes the target file naming one environment variable per
user token, and prints, as a short checklist, only what REDCap's API cannot do: an administrator issues
the users' API tokens, suspends `suspended_user`, makes `super_user` a super user, the locks are set on
the record pages, and the analysis project is moved to Analysis/Cleanup. The suite's preflight then
verifies each of them.

The super token is read from the environment variable only; it, and the creator's project tokens, are
never printed or written. Every step names itself when REDCap refuses it, with REDCap's answer.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from fake_redcap import load_fixture
from fake_redcap.contract_cli import add_provision_arguments
from fake_redcap.model import ExportRight, Project, ProjectStatus, User
from fake_redcap.state import db_key

from .reference_csv import IMPORT_DIR
from .targets import REFERENCE_FIXTURES
from .upload_reference import import_file_params

TIMEOUT = 120.0
TITLE = "Contract suite reference - {kind}"


class ProvisionError(Exception):
    """A step REDCap refused, or an argument that cannot work; the message says which and why."""


@dataclass(frozen=True)
class Step:
    """One API call of the provisioning: what it does (for the progress lines and errors) and its
    parameters (without the token)."""

    what: str
    params: Mapping[str, str]


@dataclass
class ProjectPlan:
    """What provisioning one reference fixture takes."""

    kind: str  # classic, longitudinal, analysis
    fixture_path: Path
    fixture: Project
    steps: list[Step] = field(default_factory=list)

    @property
    def title(self) -> str:
        return TITLE.format(kind=self.kind)


def kind_of(path: Path) -> str:
    return path.stem.removeprefix("reference_")


def _import_file(kind: str, name: str) -> str | None:
    path = IMPORT_DIR / f"{kind}_{name}.csv"
    return path.read_text(encoding="utf-8") if path.exists() else None


def _json_import(what: str, content: str, rows: list[dict[str, Any]], **extra: str) -> Step:
    return Step(
        what,
        {"content": content, "format": "json", "data": json.dumps(rows), "returnFormat": "json", **extra},
    )


def _csv_import(what: str, content: str, data: str, **extra: str) -> Step:
    return Step(what, {"content": content, "format": "csv", "data": data, "returnFormat": "json", **extra})


def user_row(user: User, forms: Sequence[str]) -> dict[str, Any]:
    """The user import row (V15 `UserRights::uploadUsers`) that gives `user` the rights its fixture
    says. Data entry rights (`forms`) are View & Edit on every instrument; data export rights are set per
    instrument (`forms_export`, REDCap 12.2+). What an administrator must set (suspension, super user)
    is left to the checklist."""
    if isinstance(user.data_export, ExportRight):
        export = {form: int(user.data_export) for form in forms}
    else:
        export = {form: int(user.data_export.get(form, ExportRight.NO_ACCESS)) for form in forms}
    return {
        **{name: int(value) for name, value in user.rights.items()},  # logging, file_repository, ...
        "username": user.username,
        "expiration": user.expiration.isoformat() if user.expiration else "",
        "design": int(user.design),
        "user_rights": int(user.user_rights),
        "api_export": int(user.api_export),
        "api_import": int(user.api_import),
        "mobile_app": int(user.mobile_app),
        "record_create": 1,
        "record_rename": int(user.record_rename),
        "record_delete": int(user.record_delete),
        "forms": dict.fromkeys(forms, 1),
        "forms_export": export,
    }


def plan(fixture_path: Path) -> ProjectPlan:
    """The API calls that build one reference project, in the order REDCap needs them (arms before
    events, events before designations, the data dictionary before records and users)."""
    fixture = load_fixture(fixture_path)
    kind = kind_of(fixture_path)
    project = ProjectPlan(kind, fixture_path, fixture)
    steps = project.steps
    dictionary = _import_file(kind, "data_dictionary")
    if dictionary is None:
        raise ProvisionError(f"{IMPORT_DIR / (kind + '_data_dictionary.csv')} is missing")
    steps.append(_csv_import("data dictionary", "metadata", dictionary))
    if fixture.is_longitudinal:
        for name, content in (
            ("arms", "arm"),
            ("events", "event"),
            ("instrument_designations", "formEventMapping"),
        ):
            data = _import_file(kind, name)
            if data is None:
                raise ProvisionError(f"{IMPORT_DIR / (kind + '_' + name + '.csv')} is missing")
            # override=1: a new longitudinal project already has "Arm 1" with "Event 1" (event_1_arm_1);
            # REDCap's override deletes the arms (resp. events) that are there before adding these.
            extra = {"action": "import", "override": "1"} if content in ("arm", "event") else {}
            steps.append(_csv_import(name.replace("_", " "), content, data, **extra))
    repeating = _import_file(kind, "repeating_instruments_events")
    if repeating is not None:
        steps.append(_csv_import("repeating instruments and events", "repeatingFormsEvents", repeating))
    if fixture.dags:
        groups = [{"data_access_group_name": d.name, "unique_group_name": ""} for d in fixture.dags]
        steps.append(_json_import("data access groups", "dag", groups, action="import"))
    records = _import_file(kind, "records")
    if records is not None:
        steps.append(_csv_import("records", "record", records, type="flat", overwriteBehavior="normal"))
    forms = list(dict.fromkeys(f.form for f in fixture.fields))
    rows = [user_row(user, forms) for user in fixture.users]
    steps.append(_json_import("users and their rights", "user", rows))
    unique = {d.group_id: d.unique_name for d in fixture.dags}
    members = [
        {"username": u.username, "redcap_data_access_group": unique[u.dag]}
        for u in fixture.users
        if u.dag is not None and u.dag in unique
    ]
    if members:
        steps.append(_json_import("users' data access groups", "userDagMapping", members, action="import"))
    placed = [
        {fixture.record_id_field: name, "redcap_data_access_group": unique[group]}
        for name, group in _record_dags(fixture).items()
    ]
    if placed:
        steps.append(_json_import("records' data access groups", "record", placed))
    return project


def _record_dags(fixture: Project) -> dict[str, int]:
    """Record name -> group_id, for the records the fixture puts in a DAG (one row each: REDCap keeps a
    record's DAG on the record, __GROUPID__)."""
    names = {db_key(r.record): r.record for r in fixture.records}
    return {names[key]: group for key, group in fixture.record_dags.items() if key in names}


def checklist(plans: Sequence[ProjectPlan], env_of: Callable[[str, str], str]) -> list[str]:
    """What REDCap's API cannot do, one line each, for the person running the suite."""
    lines = []
    for project in plans:
        where = f'"{project.title}"'
        names = ", ".join(
            f"{u.username} -> ${env_of(project.kind, u.username)}" for u in project.fixture.users
        )
        lines.append(
            f"{where}: an administrator issues an API token for each user and you export it: {names}"
        )
        for user in project.fixture.users:
            if user.suspended:
                lines.append(f"{where}: an administrator suspends the account {user.username}")
            if user.super_user:
                lines.append(
                    f"{where}: an administrator makes {user.username} a super user (optionally with a "
                    f"Super API Token in ${env_of(project.kind, user.username + '.super_token')})"
                )
        for row in project.fixture.records:
            if row.record_locked:
                lines.append(
                    f"{where}: lock record {row.record} whole (Record Home Page > Lock entire record)"
                )
                break
        locked_forms = sorted(
            {(row.record, form) for row in project.fixture.records for form in row.locked_forms}
        )
        for record, form in locked_forms:
            lines.append(f"{where}: lock the instrument {form} of record {record} (tick Lock, save)")
        roles = {r.role_id: r.label for r in project.fixture.roles}
        for folder in project.fixture.repository.folders:
            if folder.role_id is not None:
                lines.append(
                    f"{where}: restrict the File Repository folder {folder.name} to the role"
                    f" {roles.get(folder.role_id, folder.role_id)} (File Repository > folder > Edit)"
                )
        if project.fixture.status == ProjectStatus.ANALYSIS:
            lines.append(f"{where}: move the project to production, then to Analysis/Cleanup status")
    return lines


def env_name(prefix: str) -> Callable[[str, str], str]:
    def name(kind: str, username: str) -> str:
        key = f"{prefix}_{kind}_{username}".upper()
        return key.replace(".", "_").replace("-", "_")

    return name


def target_document(
    url: str, plans: Sequence[ProjectPlan], env_of: Callable[[str, str], str]
) -> dict[str, Any]:
    fixtures = []
    for project in plans:
        tokens = {u.username: env_of(project.kind, u.username) for u in project.fixture.users}
        for user in project.fixture.users:
            if user.super_user:
                key = user.username + ".super_token"
                tokens[key] = env_of(project.kind, key)
        fixtures.append({"fixture": project.fixture_path.name, "tokens": tokens})
    return {"url": url, "name": "Provisioned by fake-redcap provision", "fixtures": fixtures}


class Api:
    """The few calls provisioning makes, each checked: a refusal raises ProvisionError with REDCap's
    answer (never the token)."""

    def __init__(self, url: str, session: requests.Session | None = None) -> None:
        self.url = url
        self.session = session or requests.Session()

    def post(self, token: str, what: str, params: Mapping[str, str], **kwargs: Any) -> requests.Response:
        try:
            response = self.session.post(
                self.url, data={"token": token, **params}, timeout=TIMEOUT, allow_redirects=False, **kwargs
            )
        except requests.RequestException as error:
            raise ProvisionError(f"{what}: cannot reach {self.url}: {type(error).__name__}") from None
        if response.status_code != 200:
            text = response.content.decode("utf-8", "replace").strip()[:400]
            raise ProvisionError(f"{what}: REDCap answered {response.status_code}: {text}")
        return response


def create_project(api: Api, super_token: str, project: ProjectPlan) -> str:
    """`content=project` with the Super API Token: the answer is the creator's token in the new project."""
    info = {
        "project_title": project.title,
        "purpose": "0",
        "is_longitudinal": "1" if project.fixture.is_longitudinal else "0",
        "surveys_enabled": "0",
        "record_autonumbering_enabled": "0",
    }
    params = {"content": "project", "format": "json", "data": json.dumps([info]), "returnFormat": "json"}
    answer = api.post(super_token, f"{project.title}: create the project", params).text.strip()
    if not answer.isalnum() or len(answer) != 32:
        shown = answer[:60].replace("\n", " ") + ("..." if len(answer) > 60 else "")
        raise ProvisionError(
            f"{project.title}: the answer to content=project is not a project token ({shown!r}); is "
            f"{api.url} the server's API URL (https://.../api/)?"
        )
    return answer


def upload_files(api: Api, token: str, project: ProjectPlan) -> int:
    count = 0
    for record, event, instance, field_name, stored in _stored_files(project.fixture):
        fixture_field = project.fixture.field(field_name)
        signature = fixture_field is not None and fixture_field.is_signature
        api.post(
            token,
            f"{project.title}: upload {field_name} of record {record}",
            import_file_params(record, event, instance, field_name, signature=signature),
            files={"file": (stored.name, stored.read_bytes(), stored.mime)},
        )
        count += 1
    return count


def build_repository(api: Api, token: str, project: ProjectPlan) -> int:
    """The fixture's File Repository through the API: each folder with createFolder (its parent's new
    folder_id, its DAG's data_access_group_id from the DAG export; V15 Classes/FileRepository.php
    createFolder:113-121), then each file with import into its folder. A role restriction is left to
    the checklist: the role export shows no role_id. Returns how many items it made."""
    repository = project.fixture.repository
    if not repository.folders and not repository.files:
        return 0
    title = project.title
    group_ids: dict[int, str] = {}
    if any(f.dag_id is not None for f in repository.folders):
        dags = api.post(token, f"{title}: export the DAGs", {"content": "dag", "format": "json"}).json()
        by_name = {str(d["unique_group_name"]): str(d["data_access_group_id"]) for d in dags}
        group_ids = {
            d.group_id: by_name[d.unique_name] for d in project.fixture.dags if d.unique_name in by_name
        }
    made: dict[int, str] = {}  # the fixture's folder_id -> the server's
    for folder in repository.folders:
        params = {
            "content": "fileRepository",
            "action": "createFolder",
            "format": "json",
            "name": folder.name,
        }
        if folder.parent_id is not None:
            params["folder_id"] = made[folder.parent_id]
        if folder.dag_id is not None and folder.dag_id in group_ids:
            params["dag_id"] = group_ids[folder.dag_id]
        answer = api.post(token, f"{title}: create the repository folder {folder.name}", params).json()
        made[folder.folder_id] = str(answer[0]["folder_id"])
    for file in repository.files:
        params = {"content": "fileRepository", "action": "import", "returnFormat": "json"}
        if file.folder_id is not None:
            params["folder_id"] = made[file.folder_id]
        api.post(
            token,
            f"{title}: upload {file.name} to the File Repository",
            params,
            files={"file": (file.name, file.stored.read_bytes(), file.stored.mime)},
        )
    return len(repository.folders) + len(repository.files)


def _stored_files(fixture: Project) -> list[tuple[str, str | None, int, str, Any]]:
    return [
        (row.record, row.event, row.instance, name, stored)
        for row in fixture.records
        for name, stored in row.files.items()
    ]


def provision(
    url: str,
    super_token: str,
    fixtures: Sequence[Path],
    *,
    say: Callable[[str], None] = print,
    session: requests.Session | None = None,
) -> list[tuple[ProjectPlan, str]]:
    """Build every project; returns each plan with the creator's token (for the caller's own checks;
    never written anywhere)."""
    api = Api(url, session)
    plans = [plan(path) for path in fixtures]
    built: list[tuple[ProjectPlan, str]] = []
    for project in plans:
        try:
            token = create_project(api, super_token, project)
        except ProvisionError as error:
            raise ProvisionError(_with_made(str(error), [p for p, _ in built])) from None
        say(f"{project.title}: created")
        try:
            _fill(api, token, project, say)
        except ProvisionError as error:
            raise ProvisionError(_with_made(str(error), [*(p for p, _ in built), project])) from None
        built.append((project, token))
    return built


def _with_made(message: str, made: Sequence[ProjectPlan]) -> str:
    """The error, and the projects already made on the server (a new run makes them again)."""
    if not made:
        return message + "\nNothing was made on the server; no target file written."
    titles = ", ".join(f'"{p.title}"' for p in made)
    return (
        f"{message}\nMade on the server before this step: {titles}; no target file written. "
        "Delete them (Project Setup > Other Functionality > Delete the project) before running again: "
        "a new run makes new ones."
    )


def _fill(api: Api, token: str, project: ProjectPlan, say: Callable[[str], None]) -> None:
    """Everything after the project's creation: its set-up, records, users and files."""
    for step in project.steps:
        api.post(token, f"{project.title}: {step.what}", step.params)
        say(f"{project.title}: {step.what} imported")
    uploaded = upload_files(api, token, project)
    say(f"{project.title}: {uploaded} files uploaded")
    made = build_repository(api, token, project)
    if made:
        say(f"{project.title}: {made} File Repository folders and files made")


def main(argv: Sequence[str] | None = None, prog: str = "python -m contract_tests.provision") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0] if __doc__ else None)
    add_provision_arguments(parser)
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    super_token = os.environ.get(args.super_token_env, "").strip()
    if not super_token:
        print(
            f"provision: the environment variable {args.super_token_env} is not set: put a super user's "
            "Super API Token (Control Center > API Tokens) in it",
            file=sys.stderr,
        )
        return 2
    if args.out.exists():
        print(
            f"provision: {args.out} exists; give another --out or remove it (a new run makes new projects; "
            "the ones an earlier run made stay on the server until you delete them)",
            file=sys.stderr,
        )
        return 2
    parts = urllib.parse.urlsplit(args.url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        print(
            f"provision: --url {args.url!r} is not a URL: give the server's API URL, "
            "e.g. https://redcap.example.edu/api/",
            file=sys.stderr,
        )
        return 2
    fixtures = [p for p in REFERENCE_FIXTURES if not (args.without_analysis and kind_of(p) == "analysis")]
    try:
        built = provision(args.url, super_token, fixtures)
    except ProvisionError as error:
        print(f"provision: {error}", file=sys.stderr)
        return 1
    plans = [project for project, _ in built]
    env_of = env_name(args.env_prefix)
    document = target_document(args.url, plans, env_of)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_name(args.out.name + ".partial")  # renamed when whole: never half a file
    partial.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    partial.replace(args.out)
    print(f"\nWrote {args.out}. What REDCap's API cannot do, left to you and an administrator:")
    for line in checklist(plans, env_of):
        print(f"  [ ] {line}")
    print(f"\nThen: fake-redcap contract --redcap-target {args.out}   (its preflight checks each item)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

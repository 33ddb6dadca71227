"""Upload the reference projects' files into a REDCap server through Import File.

Run it once the projects exist and their records are imported (docs/contract-suite.md, steps 1-6). It reads
the same TARGET.yaml as the suite, and uploads every file the fixtures store, as the fixture user with
the API Import/Update right (importer_user). Signature fields are sent with `mobile_app=1`: REDCap refuses
a signature upload without it (V15 import.php:122), whoever sends it.

    python -m contract_tests.upload_reference --target TARGET.yaml            # dry run: what would be sent
    python -m contract_tests.upload_reference --target TARGET.yaml --apply    # upload

A file the server already holds with the same name and size (read with content=fileinfo) is left alone
unless --force is given. Every upload is checked the same way afterwards.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import requests

from fake_redcap.model import StoredFile

from .targets import ProjectUnderTest, TargetError, load_target

TIMEOUT = 120.0


@dataclass(frozen=True)
class Upload:
    project: ProjectUnderTest
    record: str
    event: str | None
    instance: int
    field: str
    stored: StoredFile
    signature: bool

    def where(self) -> str:
        text = f"{self.project.name}: record {self.record}"
        if self.event:
            text += f", {self.event}"
        if self.instance != 1:
            text += f", instance {self.instance}"
        return f"{text}, {self.field}"

    def params(self) -> dict[str, str]:
        return import_file_params(
            self.record, self.event, self.instance, self.field, signature=self.signature
        )


def import_file_params(
    record: str, event: str | None, instance: int, field: str, *, signature: bool
) -> dict[str, str]:
    """Import File's parameters for one stored file (without the token)."""
    params = {"content": "file", "action": "import", "record": record, "field": field}
    if event:
        params["event"] = event
    if instance != 1:
        params["repeat_instance"] = str(instance)
    if signature:
        # Signature fields take API uploads only from the mobile app (reference §4.1 step 11, §5).
        params["mobile_app"] = "1"
    params["returnFormat"] = "json"
    return params


def plan(project: ProjectUnderTest) -> list[Upload]:
    uploads = []
    for record, event, instance, field_name, stored in project.stored_files():
        field = project.fixture.field(field_name)
        signature = field is not None and field.is_signature
        uploads.append(Upload(project, record, event, instance, field_name, stored, signature))
    return uploads


def uploader(project: ProjectUnderTest, wanted: str | None) -> str:
    """The fixture user who uploads: --user, else the first user with API Import/Update."""
    if wanted is not None:
        project.user(wanted)
        return wanted
    for user in project.fixture.users:
        if user.api_import and not user.suspended:
            return user.username
    raise TargetError(f"{project.name} has no user with api_import: true to upload with")


def held(upload: Upload, token: str) -> str | None:
    """What the server holds there, as 'name (size bytes)', or None when it holds no file."""
    params = upload.params()
    params.pop("mobile_app", None)
    params.update(content="fileinfo", action="export")
    response = upload.project.session.post(
        upload.project.url, data={"token": token, **params}, timeout=TIMEOUT, allow_redirects=False
    )
    if response.status_code != 200:
        return None
    try:
        info = json.loads(response.content)
    except ValueError:
        return None
    return f"{info.get('name')!r} ({info.get('size')} bytes)"


def send(upload: Upload, token: str) -> requests.Response:
    stored = upload.stored
    return upload.project.session.post(
        upload.project.url,
        data={"token": token, **upload.params()},
        files={"file": (stored.name, stored.read_bytes(), stored.mime)},
        timeout=TIMEOUT,
        allow_redirects=False,
    )


def _error(response: requests.Response) -> str:
    text = response.content.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
        if isinstance(data, dict) and "error" in data:
            return str(data["error"])
    except ValueError:
        pass
    return text[:300]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}.upload_reference",  # contract_tests, or fake_redcap_contract installed
        description="Upload the reference files into the projects a TARGET.yaml names, via Import File.",
    )
    parser.add_argument("--target", required=True, type=Path, help="the TARGET.yaml the suite uses")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="only show what would be uploaded (the default)")
    mode.add_argument("--apply", action="store_true", help="upload for real")
    parser.add_argument("--user", help="the fixture user to upload as (default: the first with api_import)")
    parser.add_argument("--force", action="store_true", help="upload even files the server already holds")
    args = parser.parse_args(argv)

    try:
        target = load_target(args.target)
    except TargetError as error:
        print(f"upload_reference: {error}", file=sys.stderr)
        return 2
    failures = 0
    try:
        for project in target.projects:
            try:
                username = uploader(project, args.user)
            except (TargetError, LookupError) as error:
                print(f"upload_reference: {error}", file=sys.stderr)
                return 2
            source = project.tokens.get(username)
            token = source.value if source else None
            uploads = plan(project)
            print(f"{project.name}: {len(uploads)} files, uploaded as {username}")
            if not token:
                variable = source.env if source and source.env else f"(add {username} under tokens)"
                print(f"  token for {username} not configured: set {variable}", file=sys.stderr)
                if args.apply:
                    return 2
            for upload in uploads:
                stored = upload.stored
                line = f"  {upload.where()} <- {stored.name!r} ({stored.size} bytes, {stored.mime})"
                if upload.signature:
                    line += " [signature: sent with mobile_app=1]"
                if not args.apply:
                    print(line)
                    continue
                assert token is not None
                want = f"{stored.name!r} ({stored.size} bytes)"
                if not args.force and held(upload, token) == want:
                    print(f"{line}: already there")
                    continue
                response = send(upload, token)
                if response.status_code != 200:
                    failures += 1
                    hint = ""
                    if upload.signature:
                        hint = " (REDCap imports a signature only with mobile_app=1, which was sent)"
                    print(f"{line}: FAILED, HTTP {response.status_code}: {_error(response)}{hint}")
                    continue
                now = held(upload, token)
                if now != want:
                    failures += 1
                    print(f"{line}: uploaded, but the server now holds {now}")
                else:
                    print(f"{line}: uploaded")
    finally:
        target.close()
    if not args.apply:
        print("dry run: nothing was sent. Add --apply to upload.")
        return 0
    if failures:
        print(f"{failures} upload(s) failed", file=sys.stderr)
        return 1
    print("all reference files are on the server")
    return 0


if __name__ == "__main__":
    sys.exit(main())

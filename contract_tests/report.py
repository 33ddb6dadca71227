"""The suite's report: every clause, its source, and its result against each target.

Printed as a table at the end of the run (a column per target); `--report FILE` also writes FILE.json
and FILE.md, so a user can attach "our REDCap 15.x passes 83/85, here are the two" to a ticket.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

# The clause modules in the order a request meets what they state.
MODULE_ORDER = [
    "test_request_pipeline",
    "test_error_envelopes",
    "test_export_rights",
    "test_export_checks",
    "test_instances_and_events",
    "test_matching",
    "test_download",
    "test_fileinfo",
    "test_response_headers",
]

RESULT_WORDS = {
    "passed": "pass",
    "failed": "FAIL",
    "error": "ERROR",
    "xfailed": "known difference",
    "skipped": "skipped",
    "not applicable": "n/a",
    "not run": "not run",
}


@dataclass
class Outcome:
    result: str = "not run"
    detail: str = ""


@dataclass
class ClauseResult:
    """One clause (with its own parameters, without the target's) and its outcome per target label."""

    nodeid: str
    clause: str
    module: str
    sources: list[str]
    versions: str | None = None
    known_difference: str | None = None
    results: dict[str, Outcome] = field(default_factory=dict)
    line: int = 0  # where the clause is defined: the report lists clauses in reading order

    @property
    def source_text(self) -> str:
        return "; ".join(self.sources)


@dataclass
class TargetInfo:
    label: str
    url: str
    server: str
    redcap_version: str | None
    projects: list[str]
    preflight: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Report:
    targets: list[TargetInfo] = field(default_factory=list)
    clauses: dict[str, ClauseResult] = field(default_factory=dict)
    # pytest nodeid -> (clause key, target label)
    items: dict[str, tuple[str, str]] = field(default_factory=dict)

    # -- collecting ----------------------------------------------------------------------------------

    def add(self, nodeid: str, clause: ClauseResult, label: str) -> Outcome:
        known = self.clauses.setdefault(clause.nodeid, clause)
        self.items[nodeid] = (clause.nodeid, label)
        return known.results.setdefault(label, Outcome())

    def ordered(self) -> list[ClauseResult]:
        """Clauses in reading order: the modules in pipeline order, then as written."""

        def key(clause: ClauseResult) -> tuple[int, str, int]:
            name = clause.module.rpartition(".")[2]
            rank = MODULE_ORDER.index(name) if name in MODULE_ORDER else len(MODULE_ORDER)
            return rank, name, clause.line

        return sorted(self.clauses.values(), key=key)

    def outcome(self, nodeid: str) -> Outcome | None:
        where = self.items.get(nodeid)
        if where is None:
            return None
        key, label = where
        return self.clauses[key].results[label]

    def record(self, report: pytest.TestReport) -> None:
        outcome = self.outcome(report.nodeid)
        if outcome is None:
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            if hasattr(report, "wasxfail"):
                outcome.result = "xfailed" if report.skipped else "failed"
                outcome.detail = (
                    str(report.wasxfail)
                    if report.skipped
                    else "passed, but a known difference says it should fail (strict): remove the entry"
                )
            elif report.skipped:
                outcome.result = "skipped"
                outcome.detail = _skip_reason(report)
            elif report.failed:
                outcome.result = "failed" if report.when == "call" else "error"
                outcome.detail = _failure_line(report)
            else:
                outcome.result = "passed"
        elif report.when == "teardown" and report.failed:
            outcome.result = "error"
            outcome.detail = _failure_line(report)

    # -- summaries -----------------------------------------------------------------------------------

    def counts(self, label: str) -> dict[str, int]:
        counts = dict.fromkeys(RESULT_WORDS, 0)
        for clause in self.clauses.values():
            if label in clause.results:
                counts[clause.results[label].result] += 1
        return counts

    def headline(self, target: TargetInfo) -> str:
        c = self.counts(target.label)
        ran = c["passed"] + c["failed"] + c["error"] + c["xfailed"]
        version = f" (REDCap {target.redcap_version})" if target.redcap_version else ""
        parts = [f"{target.label}{version} passes {c['passed']}/{ran} applicable cases"]
        if c["xfailed"]:
            parts.append(f"{c['xfailed']} known difference(s)")
        if c["failed"] or c["error"]:
            parts.append(f"{c['failed'] + c['error']} failing")
        if c["skipped"]:
            parts.append(f"{c['skipped']} skipped (tokens not configured)")
        if c["not applicable"]:
            parts.append(f"{c['not applicable']} not applicable to this version")
        if c["not run"]:
            parts.append(f"{c['not run']} not run")
        return "; ".join(parts)

    def terminal_lines(self) -> list[str]:
        labels = [t.label for t in self.targets]
        rows = [(c.clause, c.source_text, [_cell(c, label) for label in labels]) for c in self.ordered()]
        name_width = max([len("clause"), *(len(r[0]) for r in rows)])
        source_width = min(60, max([len("source"), *(len(r[1]) for r in rows)]))
        widths = [max([len(label), 6, *(len(r[2][i]) for r in rows)]) for i, label in enumerate(labels)]
        head = [f"{'clause':<{name_width}}", f"{'source':<{source_width}}"]
        head += [f"{label:<{w}}" for label, w in zip(labels, widths, strict=True)]
        lines = ["  ".join(head).rstrip()]
        lines.append("  ".join(["-" * name_width, "-" * source_width, *("-" * w for w in widths)]))
        for name, source, cells in rows:
            short = source if len(source) <= source_width else source[: source_width - 1] + "…"
            parts = [f"{name:<{name_width}}", f"{short:<{source_width}}"]
            parts += [f"{cell:<{w}}" for cell, w in zip(cells, widths, strict=True)]
            lines.append("  ".join(parts).rstrip())
        lines.append("")
        lines += [self.headline(t) for t in self.targets]
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "targets": [
                {**asdict(t), "counts": self.counts(t.label), "headline": self.headline(t)}
                for t in self.targets
            ],
            "clauses": [
                {**asdict(c), "results": {label: asdict(o) for label, o in c.results.items()}}
                for c in self.ordered()
            ],
        }

    def to_markdown(self) -> str:
        lines = ["# Contract suite report", ""]
        lines.append(f"Generated {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}.")
        lines.append("")
        for target in self.targets:
            lines.append(f"## {_md(target.label)}")
            lines.append("")
            lines.append(f"- URL: {target.url} (server kind `{target.server}`)")
            lines.append(f"- REDCap version: {target.redcap_version or 'unknown'}")
            lines.append(f"- Projects: {', '.join(target.projects)}")
            lines.append(f"- **{_md(self.headline(target))}**")
            if target.preflight:
                lines.append("- Preflight:")
                for check in target.preflight:
                    lines.append(f"  - {check['project']}: {check['name']}: **{check['status']}**")
                    for detail in check["details"]:
                        lines.append(f"    - {_md(detail)}")
            lines.append("")
        labels = [t.label for t in self.targets]
        lines.append("## Clauses")
        lines.append("")
        lines.append("| Clause | Source | " + " | ".join(_md(label) for label in labels) + " |")
        lines.append("|---|---|" + "---|" * len(labels))
        for c in self.ordered():
            cells = " | ".join(_md(_cell(c, label)) for label in labels)
            lines.append(f"| `{c.clause}` | {_md(c.source_text)} | {cells} |")
        problems = [
            (c, label, o)
            for c in self.ordered()
            for label, o in c.results.items()
            if o.result in ("failed", "error", "skipped", "xfailed")
        ]
        if problems:
            lines.append("")
            lines.append("## Details")
            lines.append("")
            for c, label, o in problems:
                lines.append(f"- `{c.nodeid}` on {_md(label)}: {RESULT_WORDS[o.result]}: {_md(o.detail)}")
        return "\n".join(lines) + "\n"

    def write(self, stem: Path) -> tuple[Path, Path]:
        base = stem.with_suffix("") if stem.suffix in (".json", ".md") else stem
        json_path = base.parent / (base.name + ".json")
        md_path = base.parent / (base.name + ".md")
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(
            json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        md_path.write_text(self.to_markdown(), encoding="utf-8")
        return json_path, md_path


def _cell(clause: ClauseResult, label: str) -> str:
    outcome = clause.results.get(label)
    if outcome is None:
        return "-"
    word = RESULT_WORDS[outcome.result]
    if outcome.result == "xfailed" and clause.known_difference:
        return f"{word} ({clause.known_difference})"
    if outcome.result == "not applicable" and clause.versions:
        return f"{word} (for {clause.versions})"
    if outcome.result == "skipped":
        return f"{word}: {outcome.detail}"
    return word


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _failure_line(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None) or str(report.longrepr)
    first = message.strip().splitlines()[0] if message.strip() else ""
    return first[:300]

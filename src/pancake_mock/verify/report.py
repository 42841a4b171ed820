"""What verify found: per-operation statistics, failures with what to send to reproduce them,
scenario results, and the renderings of all that (terminal summary, JUnit XML, parity's too)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from .coverage import Coverage
from .signing import redacted

MAX_BODY_SHOWN = 2000


@dataclass(frozen=True)
class Reproduction:
    """What to send to see the failure again; secrets redacted."""

    method: str
    path: str
    headers: dict[str, str]
    body: str | None

    @classmethod
    def of(cls, method: str, url: str, headers: dict[str, str], body: bytes | str | None) -> Reproduction:
        parts = urlsplit(url)
        text = body.decode("utf-8", "backslashreplace") if isinstance(body, bytes) else body
        if text is not None and len(text) > MAX_BODY_SHOWN:
            text = text[:MAX_BODY_SHOWN] + f"… ({len(text)} characters)"
        return cls(method, parts.path + (f"?{parts.query}" if parts.query else ""), redacted(headers), text)

    def lines(self) -> list[str]:
        shown = [f"{self.method} {self.path}"]
        shown += [f"{name}: {value}" for name, value in self.headers.items()]
        if self.body is not None:
            shown.append(f"body: {self.body}")
        return shown


@dataclass
class Failure:
    source: str  # "schemathesis" or "scenario"
    name: str  # the check or scenario that failed
    operation: str
    title: str
    detail: str
    status: int | None = None
    reproduction: Reproduction | None = None
    occurrences: int = 1


@dataclass
class OperationStats:
    cases: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: int = 0


@dataclass
class ScenarioResult:
    name: str
    outcome: str  # passed, failed, skipped
    note: str = ""
    failure: Failure | None = None


@dataclass
class Report:
    seed: int
    operations: dict[str, OperationStats] = field(default_factory=dict)
    checks: Counter = field(default_factory=Counter)  # (operation, check) -> responses judged
    failures: list[Failure] = field(default_factory=list)
    scenarios: list[ScenarioResult] = field(default_factory=list)
    gate: list[str] = field(default_factory=list)  # spec problems
    coverage: Coverage = field(default_factory=lambda: Coverage(""))
    coverage_gaps: list[str] | None = None  # with --require-coverage: what was never produced

    @property
    def cases(self) -> int:
        return sum(stats.cases for stats in self.operations.values())

    def merge(self, other: Report) -> None:
        """Take in what a run over other operations found (the GraphQL one, run apart)."""
        self.operations.update(other.operations)
        self.checks.update(other.checks)
        self.failures.extend(other.failures)
        self.coverage.merge(other.coverage)

    @property
    def failed(self) -> bool:
        return bool(self.gate or self.failures or self.coverage_gaps
                    or any(s.outcome == "failed" for s in self.scenarios))

    def summary(self, command: str) -> str:
        """Failures with their reproductions first, so the output ends with the overview."""
        out = []
        for number, failure in enumerate(self.failures, 1):
            out.append(f"FAILURE {number}: [{failure.source}] {failure.name} on {failure.operation}: {failure.title}")
            if failure.detail:
                out.append(f"  {failure.detail}")
            if failure.occurrences > 1:
                out.append(f"  seen {failure.occurrences} times; first occurrence below")
            if failure.status is not None:
                out.append(f"  answered HTTP {failure.status}")
            if failure.reproduction is not None:
                out.append("  to reproduce, send (re-sign merchant requests with your key):")
                out += [f"    {line}" for line in failure.reproduction.lines()]
            out.append("")
        for problem in self.gate:
            out.append(f"SPEC: {problem}")
        if self.scenarios:
            out.append("scenarios:")
            for result in self.scenarios:
                note = f"  ({result.note})" if result.note else ""
                out.append(f"  {result.outcome.upper():<7} {result.name}{note}")
            out.append("")
        if self.operations:
            width = max(len(label) for label in self.operations)
            out.append(f"{'operation':<{width}}  {'cases':>5}  {'failures':>8}  statuses seen")
            for label, stats in sorted(self.operations.items()):
                statuses = " ".join(f"{code}×{n}" for code, n in sorted(stats.statuses.items()))
                out.append(f"{label:<{width}}  {stats.cases:>5}  {stats.failures:>8}  {statuses}")
            out.append(f"{'total':<{width}}  {self.cases:>5}  {sum(s.failures for s in self.operations.values()):>8}")
            out.append("")
        out += self.coverage.table()
        out.append("")
        for gap in self.coverage_gaps or ():
            out.append(f"COVERAGE GAP: never answered: {gap}")
        scenario_counts = Counter(result.outcome for result in self.scenarios)
        verdict = "FAILED" if self.failed else "PASSED"
        out.append(
            f"verify {verdict}: {self.cases} cases, {len(self.failures)} failures, "
            f"scenarios {scenario_counts['passed']} passed / {scenario_counts['failed']} failed / "
            f"{scenario_counts['skipped']} skipped, spec gate {'ok' if not self.gate else f'{len(self.gate)} problems'}"
            + ("" if self.coverage_gaps is None else f", coverage {len(self.coverage_gaps)} gaps")
        )
        out.append(f"regenerate this run with: {command} --seed {self.seed}")
        return "\n".join(out)

    def write_junit(self, path: Path) -> None:
        suites = _with_spec_gate("pancake-mock verify", self.gate)
        fuzz = _suite(suites, "schemathesis")
        failures_by_key: dict[tuple[str, str], list[Failure]] = {}
        for failure in self.failures:
            if failure.source == "schemathesis":
                failures_by_key.setdefault((failure.operation, failure.name), []).append(failure)
        for operation, check in sorted(set(self.checks) | set(failures_by_key)):
            found = failures_by_key.get((operation, check))
            _case(fuzz, check, operation, "\n\n".join(_failure_text(f) for f in found) if found else None)

        scenarios = _suite(suites, "scenarios")
        for result in self.scenarios:
            element = _case(scenarios, result.name, "scenario",
                            _failure_text(result.failure) if result.failure else None)
            if result.outcome == "skipped":
                ET.SubElement(element, "skipped", message=result.note)
        if self.coverage_gaps is not None:
            _case(_suite(suites, "coverage"), "required coverage", "coverage",
                  "\n".join(f"never answered: {gap}" for gap in self.coverage_gaps) or None)
        _write(suites, path)


def write_parity_junit(path: Path, gate: list[str], differences: dict[str, list[str]]) -> None:
    """The spec gate, then a testcase per scenario that fails with its differences between the targets."""
    suites = _with_spec_gate("pancake-mock verify --parity", gate)
    parity = _suite(suites, "parity")
    for name, found in differences.items():
        _case(parity, name, "parity", "\n".join(found) or None)
    _write(suites, path)


def _with_spec_gate(name: str, gate: list[str]) -> ET.Element:
    suites = ET.Element("testsuites", name=name)
    _case(_suite(suites, "spec gate"), "lint", "spec", "\n".join(gate) or None)
    return suites


def _write(suites: ET.Element, path: Path) -> None:
    for suite in suites:
        suite.set("tests", str(len(suite)))
        suite.set("failures", str(sum(1 for case in suite if case.find("failure") is not None)))
        suite.set("skipped", str(sum(1 for case in suite if case.find("skipped") is not None)))
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def _suite(parent: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(parent, "testsuite", name=name)


def _case(suite: ET.Element, name: str, classname: str, failure: str | None) -> ET.Element:
    element = ET.SubElement(suite, "testcase", name=name, classname=classname)
    if failure is not None:
        ET.SubElement(element, "failure", message=failure.splitlines()[0]).text = failure
    return element


def _failure_text(failure: Failure) -> str:
    lines = [f"{failure.title}", failure.detail]
    if failure.status is not None:
        lines.append(f"answered HTTP {failure.status}")
    if failure.reproduction is not None:
        lines += failure.reproduction.lines()
    return "\n".join(line for line in lines if line)

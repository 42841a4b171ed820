"""`pancake-mock verify`: the spec gate, the schemathesis phases and the scenario suite, in order;
with `--parity`, the spec gate and the scenario suite against two targets, their answers compared."""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

from .. import lint
from . import contracts, coverage, fuzz, parity, scenarios
from .client import Api, TargetError, Throttle, load_credentials
from .report import Report, write_parity_junit


@dataclass(frozen=True)
class Options:
    base_url: str
    credentials: Path
    environment: str
    max_examples: int
    seed: int
    safe: bool
    junit_xml: Path | None
    require_coverage: bool = False

    def command(self) -> str:
        """The command line that repeats this run, seed aside."""
        parts = ["pancake-mock", "verify", "--base-url", self.base_url, "--credentials", str(self.credentials),
                 "--environment", self.environment, "--max-examples", str(self.max_examples)]
        if self.safe:
            parts.append("--safe")
        if self.require_coverage:
            parts.append("--require-coverage")
        return shlex.join(parts)


def progress(line: str) -> None:
    print(line, flush=True)


def verify(options: Options) -> int:
    started = time.monotonic()
    report = Report(seed=options.seed, coverage=coverage.Coverage.of(options.base_url))
    mode = "safe mode, " if options.safe else ""
    progress(f"verify {options.base_url} ({mode}environment {options.environment}, seed {options.seed}, "
             f"max-examples {options.max_examples})")

    report.gate = spec_gate()
    api = connect(options.base_url, options.credentials, environment=options.environment, safe=options.safe,
                  observer=report.coverage.observe)  # the scenarios' answers count towards coverage too
    if api is None:
        return 2
    progress(f"control plane: {'found at /_mock' if api.has_control_plane else 'none (those scenarios are skipped)'}")

    progress("schemathesis: examples, coverage, fuzzing, stateful")
    fuzz.run(api, report, max_examples=options.max_examples, safe=options.safe, progress=progress)

    progress("scenarios")
    contracts.load("scenarios")  # registers the suite
    scenarios.run(scenarios.REGISTRY, scenarios.Context(api, options.safe), report, progress)

    if options.require_coverage:
        # Under --safe, the operations the run sets out to test are the safe ones (and the reads).
        aimed_at = coverage.labels([*fuzz.SAFE_OPERATIONS, fuzz.GRAPHQL_OPERATION]) if options.safe else None
        report.coverage_gaps = report.coverage.gaps(aimed_at, control_plane=api.has_control_plane)
    progress("")
    progress(report.summary(options.command()))
    progress(f"took {time.monotonic() - started:.0f} s")
    if options.junit_xml is not None:
        report.write_junit(options.junit_xml)
        progress(f"JUnit report: {options.junit_xml}")
    return 1 if report.failed else 0


@dataclass(frozen=True)
class ParityOptions:
    base_urls: tuple[str, str]  # A, then B
    credentials: tuple[Path, Path]
    environment: str
    safe: bool
    junit_xml: Path | None


def run_parity(options: ParityOptions) -> int:
    started = time.monotonic()
    mode = "safe mode, " if options.safe else ""
    progress(f"parity: A {options.base_urls[0]} vs B {options.base_urls[1]} ({mode}environment {options.environment})")
    gate = spec_gate()
    answers: tuple[list[requests.Response], list[requests.Response]] = ([], [])
    apis = [connect(base_url, credentials, environment=options.environment, safe=options.safe, observer=seen.append)
            for base_url, credentials, seen in zip(options.base_urls, options.credentials, answers)]
    if None in apis:
        return 2
    with_control = [api.has_control_plane for api in apis]
    progress("control plane: " + ("both have one at /_mock" if all(with_control) else
                                  "not used (both targets must have one, so that both take the same steps)"))

    contracts.load("scenarios")  # registers the suite
    runs = []
    for label, api, seen in zip("AB", apis, answers):
        progress(f"scenarios against {label}")
        context = scenarios.Context(api, options.safe, use_control_plane=all(with_control))
        runs.append(parity.record(api, seen, context, progress))

    progress("")
    found = {name: parity.differences(runs[0][name], runs[1][name]) for name in runs[0]}
    for name, lines in found.items():
        outcome = runs[0][name].outcome
        both = f"  (both {outcome})" if not lines and outcome != "passed" else ""
        progress(f"{'DIFFERENT' if lines else 'same':<9}  {name}{both}")
        for line in lines:
            progress(f"    {line}")
    differing = sum(1 for lines in found.values() if lines)
    gate_verdict = "ok" if not gate else f"{len(gate)} problems"
    progress(f"parity {'DIFFERENT' if differing else 'SAME'}: {differing} of {len(found)} scenarios differ, "
             f"spec gate {gate_verdict}")
    progress(f"took {time.monotonic() - started:.0f} s")
    if options.junit_xml is not None:
        write_parity_junit(options.junit_xml, gate, found)
        progress(f"JUnit report: {options.junit_xml}")
    return 1 if differing or gate else 0


def spec_gate() -> list[str]:
    progress("spec gate: pancake-mock lint")
    problems = [str(problem) for problem in lint.lint()]
    for problem in problems:
        progress(f"  {problem}")
    return problems


def connect(base_url: str, credentials: Path, *, environment: str, safe: bool,
            observer: Callable[[requests.Response], None] | None = None) -> Api | None:
    """A client of the target once it has answered these credentials; None, said on stderr, if it cannot."""
    try:
        api = Api(base_url, load_credentials(credentials), environment=environment,
                  throttle=Throttle(fuzz.SAFE_REQUESTS_PER_SECOND if safe else None), observer=observer)
        api.issue_token()  # the target is up and these credentials work, or nothing after means much
    except (OSError, ValueError, TargetError) as error:  # requests' errors are OSErrors, a bad key a ValueError
        print(f"pancake-mock verify: cannot use {base_url}: {error}", file=sys.stderr)
        return None
    return api

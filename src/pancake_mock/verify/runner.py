"""`pancake-mock verify`: the spec gate, the schemathesis phases and the scenario suite, in order."""

from __future__ import annotations

import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from .. import lint
from . import contracts, fuzz, scenarios
from .client import Api, TargetError, Throttle, load_credentials
from .report import Report


@dataclass(frozen=True)
class Options:
    base_url: str
    credentials: Path
    environment: str
    max_examples: int
    seed: int
    safe: bool
    junit_xml: Path | None

    def command(self) -> str:
        """The command line that repeats this run, seed aside."""
        parts = ["pancake-mock", "verify", "--base-url", self.base_url, "--credentials", str(self.credentials),
                 "--environment", self.environment, "--max-examples", str(self.max_examples)]
        if self.safe:
            parts.append("--safe")
        return shlex.join(parts)


def progress(line: str) -> None:
    print(line, flush=True)


def verify(options: Options) -> int:
    started = time.monotonic()
    report = Report(seed=options.seed)
    mode = "safe mode, " if options.safe else ""
    progress(f"verify {options.base_url} ({mode}environment {options.environment}, seed {options.seed}, "
             f"max-examples {options.max_examples})")

    progress("spec gate: pancake-mock lint")
    report.gate = [str(problem) for problem in lint.lint()]
    for problem in report.gate:
        progress(f"  {problem}")

    throttle = Throttle(fuzz.SAFE_REQUESTS_PER_SECOND if options.safe else None)
    api = Api(options.base_url, load_credentials(options.credentials), environment=options.environment,
              throttle=throttle)
    try:
        api.issue_token()  # the target is up and these credentials work, or nothing below means much
    except (TargetError, requests.RequestException) as error:
        print(f"pancake-mock verify: cannot use {options.base_url}: {error}", file=sys.stderr)
        return 2
    progress(f"control plane: {'found at /_mock' if api.has_control_plane else 'none (those scenarios are skipped)'}")

    progress("schemathesis: examples, coverage, fuzzing, stateful")
    fuzz.run(api, report, max_examples=options.max_examples, safe=options.safe, progress=progress)

    progress("scenarios")
    contracts.load("scenarios")  # registers the suite
    scenarios.run(scenarios.REGISTRY, scenarios.Context(api, options.safe), report, progress)

    progress("")
    progress(report.summary(options.command()))
    progress(f"took {time.monotonic() - started:.0f} s")
    if options.junit_xml is not None:
        report.write_junit(options.junit_xml)
        progress(f"JUnit report: {options.junit_xml}")
    return 1 if report.failed else 0

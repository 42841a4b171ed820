"""The scenario suite's machinery: named business-rule scenarios with a pass, fail or skip each.

Scenarios live in contracts/scenarios.py and register with `@scenario`. Each gets a `Context`:
the target's client and what the run allows. A scenario fails by `expect` (with what was sent,
secrets redacted), skips by raising `Skip` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import requests

from .client import Api, TargetError, error_message
from .report import Failure, Report, Reproduction, ScenarioResult


class Skip(Exception):
    """This scenario cannot judge this target; the message says why."""


class ScenarioFailed(AssertionError):
    def __init__(self, title: str, response: requests.Response | None = None, operation: str = ""):
        super().__init__(title)
        self.title = title
        self.response = response
        self.operation = operation


@dataclass(frozen=True)
class Scenario:
    name: str
    run: Callable[[Context], str | None]  # may return a note for the summary
    control_plane: bool  # needs the mock's /_mock control plane
    shared_state: bool  # changes state beyond its own fresh resources: never under --safe


REGISTRY: list[Scenario] = []


def scenario(name: str, *, control_plane: bool = False, shared_state: bool = False):
    def register(func: Callable[[Context], str | None]) -> Callable[[Context], str | None]:
        REGISTRY.append(Scenario(name, func, control_plane, shared_state))
        return func

    return register


@dataclass
class Context:
    api: Api
    safe: bool
    use_control_plane: bool = True  # parity: off unless both targets have one, so both take the same steps

    @property
    def control_plane(self) -> bool:
        return self.use_control_plane and self.api.has_control_plane

    def other_environment(self) -> str:
        return "prod" if self.api.environment == "test" else "test"


def expect(response: requests.Response, status: int, message: str | None = None) -> requests.Response:
    """Fail unless the answer has this status and, for errors, exactly this errors[0].message."""
    got = error_message(response)
    if response.status_code != status or (message is not None and got != message):
        wanted = f"{status} {message!r}" if message is not None else str(status)
        shown = f"{response.status_code} {got!r}" if got is not None else str(response.status_code)
        raise ScenarioFailed(f"expected {wanted}, got {shown}", response)
    return response


def check(condition: bool, title: str, response: requests.Response | None = None) -> None:
    if not condition:
        raise ScenarioFailed(title, response)


def run(scenarios: list[Scenario], context: Context, report: Report, progress: Callable[[str], None]) -> None:
    for item in scenarios:
        result = run_one(item, context, progress)
        report.scenarios.append(result)
        if result.failure is not None:
            report.failures.append(result.failure)


def run_one(item: Scenario, context: Context, progress: Callable[[str], None]) -> ScenarioResult:
    result = _run_one(item, context)
    progress(f"  scenario {result.outcome:<7} {item.name}")
    return result


def _run_one(item: Scenario, context: Context) -> ScenarioResult:
    if item.control_plane and not context.control_plane:
        return ScenarioResult(item.name, "skipped", "needs the mock's control plane (/_mock); this target has none")
    if item.shared_state and context.safe:
        return ScenarioResult(item.name, "skipped", "changes shared state; not run under --safe")
    try:
        note = item.run(context)
    except Skip as reason:
        return ScenarioResult(item.name, "skipped", str(reason))
    except ScenarioFailed as failed:
        return ScenarioResult(item.name, "failed", failure=_failure(item.name, failed))
    except (TargetError, requests.RequestException) as error:
        return ScenarioResult(item.name, "failed", failure=Failure("scenario", item.name, "setup", "could not run", str(error)))
    return ScenarioResult(item.name, "passed", note or "")


def _failure(name: str, failed: ScenarioFailed) -> Failure:
    response = failed.response
    if response is None:
        return Failure("scenario", name, failed.operation or "state", failed.title, "")
    sent = response.request
    reproduction = Reproduction.of(sent.method or "", sent.url or "", dict(sent.headers), sent.body)
    return Failure("scenario", name, f"{sent.method} {reproduction.path}", failed.title, "",
                   response.status_code, reproduction)

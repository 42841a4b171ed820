"""The schemathesis phases (examples, coverage, fuzzing, stateful), run in-process by the engine
the `st` CLI uses, with the configuration, hooks and checks of `contracts/`: on the OpenAPI
contract, then on the GraphQL schema (queries generated from the SDL, sent to /v1/graphql)."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

import schemathesis
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.engine.run import TESTING_PHASES

from .. import contract
from . import contracts
from .client import Api
from .coverage import Coverage
from .report import Failure, OperationStats, Report, Reproduction

# Under --safe: operations that write nothing (previewTax) or only fresh resources of verify's
# own (tokens, sessions, orders on its own sessions). Product writes would touch a team's catalog.
SAFE_OPERATIONS = ["issueSessionToken", "createCheckoutSession", "previewTax", "createOnetimeOrder",
                   "createSubscriptionOrder"]
SAFE_REQUESTS_PER_SECOND = 5
GRAPHQL_OPERATION = "graphqlQuery"  # POST /v1/graphql, which the GraphQL run answers through, under --safe too


GRAPHQL_PATH = "/v1/graphql"
# Our checks judge the REST envelope; GraphQL's answers are judged by schemathesis' own GraphQL
# checks here, and as HTTP answers by ours through the OpenAPI contract's graphqlQuery.
ENVELOPE_CHECKS = ("error_envelope", "success_envelope", "documented_headers", "success_path_reached")


def configure(api: Api, *, seed: int, max_examples: int, safe: bool, graphql: bool = False) -> SchemathesisConfig:
    data = tomllib.loads((contracts.DIRECTORY / "schemathesis.toml").read_text(encoding="utf-8"))
    data.update({"base-url": api.base_url + (GRAPHQL_PATH if graphql else ""), "seed": seed, "workers": 1})
    if graphql:
        data.setdefault("checks", {}).update({name: {"enabled": False} for name in ENVELOPE_CHECKS})
    data.setdefault("generation", {})["max-examples"] = max_examples
    if safe:
        data["rate-limit"] = f"{SAFE_REQUESTS_PER_SECOND}/s"
    return SchemathesisConfig.from_dict(data)


def build_schema(api: Api, *, seed: int, max_examples: int, safe: bool) -> Any:
    contracts.load("checks")  # registers the custom checks next to the built-in ones
    config = configure(api, seed=seed, max_examples=max_examples, safe=safe)
    schema = schemathesis.openapi.from_dict(contract.load(contract.API_SPEC), config=config)
    if safe:
        schema = schema.include(operation_id=SAFE_OPERATIONS)
    contracts.load("hooks").install(schema, api)
    return schema


def build_graphql_schema(api: Api, *, seed: int, max_examples: int, safe: bool) -> Any:
    contracts.load("checks")
    config = configure(api, seed=seed, max_examples=max_examples, safe=safe, graphql=True)
    schema = schemathesis.graphql.from_path(str(contract.GRAPHQL_SCHEMA), config=config)
    contracts.load("hooks").install_graphql(schema, api)
    return schema


@contextmanager
def _scratch_directory() -> Iterator[None]:
    """Schemathesis writes `.schemathesis/` into the working directory and Hypothesis
    `.hypothesis/` into the one it was imported in; a throwaway directory takes both."""
    previous = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="pancake-verify-") as scratch:
        os.chdir(scratch)
        set_hypothesis_home_dir(scratch)
        try:
            yield
        finally:
            set_hypothesis_home_dir(None)
            os.chdir(previous)


def run(api: Api, report: Report, *, max_examples: int, safe: bool, progress: Callable[[str], None]) -> None:
    """The OpenAPI contract, then the GraphQL schema (read-only: it runs under --safe too). Making
    cases is CPU-bound Python, so with a second core the GraphQL run goes on in a process of its
    own beside the OpenAPI one, its progress shown when it is done. Under --safe they take turns:
    one throttle paces every request."""
    if safe or (os.cpu_count() or 1) < 2:
        for build in (build_schema, build_graphql_schema):
            _execute(build(api, seed=report.seed, max_examples=max_examples, safe=safe), report, progress)
        return
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as apart:
        graphql = apart.submit(_graphql_apart, api.base_url, api.credentials, api.environment, report.seed, max_examples)
        _execute(build_schema(api, seed=report.seed, max_examples=max_examples, safe=False), report, progress)
        found, lines = graphql.result()
    for line in lines:
        progress(line)
    report.merge(found)


def _graphql_apart(base_url: str, credentials: dict, environment: str, seed: int,
                   max_examples: int) -> tuple[Report, list[str]]:
    """The GraphQL run in a process of its own: what it found, and its progress lines."""
    api = Api(base_url, credentials, environment=environment)
    found, lines = Report(seed=seed, coverage=Coverage.of(base_url)), []
    _execute(build_graphql_schema(api, seed=seed, max_examples=max_examples, safe=False), found, lines.append)
    return found, lines


def _execute(schema: Any, report: Report, progress: Callable[[str], None]) -> None:
    kind, before = schema.specification.kind.value, report.cases
    with _scratch_directory():
        for event in from_schema(schema).execute():
            if isinstance(event, events.PhaseFinished) and event.phase.name in TESTING_PHASES:
                outcome = event.phase.skip_reason.value if event.phase.skip_reason else event.status.value
                progress(f"  {kind:<8} {event.phase.name.value:<9} {outcome:<14} {report.cases - before} cases")
            elif isinstance(event, events.ScenarioFinished):
                _record(event.recorder, report)
            elif isinstance(event, events.NonFatalError):
                report.failures.append(Failure("schemathesis", "error", event.label, "error while testing", str(event.value)))
            elif isinstance(event, events.FatalError):
                report.failures.append(Failure("schemathesis", "error", "run", "run aborted", str(event.exception)))
            elif isinstance(event, events.EngineFinished):
                for failure in event.failures:  # checks that judge the whole run
                    report.failures.append(Failure("schemathesis", failure.title, "run", failure.title, failure.message))


def _record(recorder: Any, report: Report) -> None:
    for case_id, interaction in recorder.interactions.items():
        node = recorder.cases.get(case_id)
        if node is None or interaction.response is None:
            continue
        stats = report.operations.setdefault(node.value.operation.label, OperationStats())
        stats.cases += 1
        stats.statuses[interaction.response.status_code] += 1
        report.coverage.observe(interaction.response)
    for case_id, checks in recorder.checks.items():
        node = recorder.cases.get(case_id)
        if node is None:
            continue
        label = node.value.operation.label
        for check in checks:
            report.checks[(label, check.name)] += 1
            if check.failure_info is not None:
                _add_failure(report, recorder, label, check.name, check.failure_info.failure, case_id)


def _add_failure(report: Report, recorder: Any, label: str, check: str, failure: Any, case_id: str) -> None:
    for known in report.failures:
        if (known.operation, known.name, known.title) == (label, check, failure.title):
            known.occurrences += 1
            return
    report.operations.setdefault(label, OperationStats()).failures += 1
    interaction = recorder.interactions.get(failure.case_id or case_id) or recorder.interactions.get(case_id)
    reproduction, status = None, None
    if interaction is not None:
        response = interaction.response
        if response is not None:
            status = response.status_code
            sent = response.request
            reproduction = Reproduction.of(sent.method, sent.url, dict(sent.headers), sent.body)
        else:
            sent = interaction.request
            headers = {name: values[0] for name, values in sent.headers.items()}
            reproduction = Reproduction.of(sent.method, sent.uri, headers, sent.body)
    detail = " ".join((failure.message or "").split())[:500]
    report.failures.append(Failure("schemathesis", check, label, failure.title, detail, status, reproduction))

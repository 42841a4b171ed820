"""`pancake-mock verify`: check that a deployment (or this mock) honours the contract.

This module only declares the command: schemathesis is imported when verify runs, so serving
the mock never needs it.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

INSTALL_HINT = 'pancake-mock verify needs its extra: pip install "pancake-mock[verify]"'
DEFAULT_MAX_EXAMPLES = 25
# Usage errors (exit 2), with the usage line.
ONE_CREDENTIALS = "--base-url takes --credentials once"
PARITY_CREDENTIALS = "--parity takes --credentials once (for both targets) or twice (A's, then B's)"
PARITY_FUZZ = "--parity runs no fuzzing: --max-examples and --seed do not apply"
PARITY_COVERAGE = "--parity compares answers; --require-coverage applies to a --base-url run"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="verify that a deployment honours the contract",
        description="Run the spec gate, the schemathesis phases and the scenario suite against a "
        "deployment of the Pancake API (or this mock); exit 1 on any failure. With --parity, run the "
        "spec gate and the scenario suite against two and compare their answers; exit 1 on any difference.",
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--base-url", help="the API's base URL, e.g. https://staging.example.com")
    target.add_argument("--parity", nargs=2, metavar=("BASE_A", "BASE_B"),
                        help="two base URLs, e.g. the mock's and staging's: the same scenarios against both")
    parser.add_argument("--credentials", required=True, type=Path, action="append",
                        help="a file shaped like the mock's credentials.json: merchantId, apiKeys, stores "
                        "(with --parity: once for both targets, or twice, A's then B's)")
    parser.add_argument("--environment", choices=("test", "prod"), default="test", help="(default: %(default)s)")
    parser.add_argument("--max-examples", type=int,
                        help=f"per operation and phase (default: {DEFAULT_MAX_EXAMPLES})")
    parser.add_argument("--seed", type=int, help="regenerates a run exactly (default: a new one, printed)")
    parser.add_argument("--safe", action="store_true",
                        help="for shared staging: only create fresh resources, at a bounded request rate")
    parser.add_argument("--junit-xml", type=Path, metavar="PATH", help="also write a JUnit XML report")
    parser.add_argument("--require-coverage", action="store_true",
                        help="fail when a documented success status, or a row of the seed's create-order error "
                        "table, was never answered (under --safe: of the operations a safe run tests)")
    parser.set_defaults(usage_error=parser.error)


def run(args: argparse.Namespace) -> int:
    problem = _usage_problem(args)
    if problem:
        args.usage_error(problem)  # exits 2
    try:
        from .runner import Options, ParityOptions, run_parity, verify
    except ModuleNotFoundError as missing:
        if (missing.name or "").partition(".")[0] != "schemathesis":
            raise
        print(INSTALL_HINT, file=sys.stderr)
        return 2

    if args.parity:
        first, *second = args.credentials
        return run_parity(ParityOptions(
            base_urls=(args.parity[0].rstrip("/"), args.parity[1].rstrip("/")),
            credentials=(first, second[0] if second else first),
            environment=args.environment,
            safe=args.safe,
            junit_xml=args.junit_xml,
        ))
    return verify(Options(
        base_url=args.base_url.rstrip("/"),
        credentials=args.credentials[0],
        environment=args.environment,
        max_examples=args.max_examples if args.max_examples is not None else DEFAULT_MAX_EXAMPLES,
        seed=args.seed if args.seed is not None else secrets.randbelow(2**31),
        safe=args.safe,
        junit_xml=args.junit_xml,
        require_coverage=args.require_coverage,
    ))


def _usage_problem(args: argparse.Namespace) -> str | None:
    given = len(args.credentials)
    if not args.parity:
        return None if given == 1 else f"{ONE_CREDENTIALS}; got {given}"
    if given > 2:
        return f"{PARITY_CREDENTIALS}; got {given}"
    if args.max_examples is not None or args.seed is not None:
        return PARITY_FUZZ
    if args.require_coverage:
        return PARITY_COVERAGE
    return None

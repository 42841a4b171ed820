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


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="verify that a deployment honours the contract",
        description="Run the spec gate, the schemathesis phases and the scenario suite against a "
        "deployment of the Pancake API (or this mock); exit 1 on any failure.",
    )
    parser.add_argument("--base-url", required=True, help="the API's base URL, e.g. https://staging.example.com")
    parser.add_argument("--credentials", required=True, type=Path,
                        help="a file shaped like the mock's credentials.json: merchantId, apiKeys, stores")
    parser.add_argument("--environment", choices=("test", "prod"), default="test", help="(default: %(default)s)")
    parser.add_argument("--max-examples", type=int, default=25, help="per operation and phase (default: %(default)s)")
    parser.add_argument("--seed", type=int, help="regenerates a run exactly (default: a new one, printed)")
    parser.add_argument("--safe", action="store_true",
                        help="for shared staging: only create fresh resources, at a bounded request rate")
    parser.add_argument("--junit-xml", type=Path, metavar="PATH", help="also write a JUnit XML report")


def run(args: argparse.Namespace) -> int:
    try:
        from .runner import Options, verify
    except ModuleNotFoundError as missing:
        if (missing.name or "").partition(".")[0] != "schemathesis":
            raise
        print(INSTALL_HINT, file=sys.stderr)
        return 2

    return verify(Options(
        base_url=args.base_url.rstrip("/"),
        credentials=args.credentials,
        environment=args.environment,
        max_examples=args.max_examples,
        seed=args.seed if args.seed is not None else secrets.randbelow(2**31),
        safe=args.safe,
        junit_xml=args.junit_xml,
    ))

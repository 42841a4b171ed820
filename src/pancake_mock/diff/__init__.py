"""`pancake-mock diff`: breaking changes between two versions of the contracts.

This module only declares the command: the differ (`changes`) is imported when diff runs, so
serving the mock never loads it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

ALLOW_LIST = "breaking-changes.yaml"
FORMAT_NAMES = ("text", "json", "markdown")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="compare two versions of the contract for breaking changes",
        description="Compare two versions of the contracts (directories, or single OpenAPI or GraphQL files) and class "
        "each change breaking, non-breaking or a deprecation. Exit 0 when every breaking change is acknowledged in the "
        f"allow-list ({ALLOW_LIST} beside NEW), 1 when one is not, 2 on a usage error or unreadable input.",
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="OLD NEW; with --base, NEW only (default: openapi)")
    parser.add_argument("--base", metavar="GIT_REF", help="compare with NEW as it is at this git ref")
    parser.add_argument("--allow-list", type=Path, metavar="FILE",
                        help=f"acknowledged breaking changes (default: {ALLOW_LIST} beside NEW)")
    parser.add_argument("--format", choices=FORMAT_NAMES, default="text", help="(default: %(default)s)")


def run(args: argparse.Namespace) -> int:
    from .changes import run as compare_and_print

    return compare_and_print(args)

"""Which documented answers a verify run produced: every operation × status of the contract, how
often it was answered (by schemathesis' cases and by the scenarios alike), and the seed's
create-order error rows by their exact message. `--require-coverage` fails a run that never
produced a documented success status or a seed row, so a green run cannot hide an operation
that was never reached."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol
from urllib.parse import urlsplit

from .. import contract

CREATE_ORDER = "POST /v1/actions/onetime-order/create-order"
# The seed's 500 row is a failed PSP call: only the mock's control plane makes one on demand.
PSP_FAILURE_ROW = next(row for row in contract.SEED_ERRORS if row[0] == 500)
METHODS = ("get", "put", "post", "delete", "patch")


class Answer(Protocol):
    """What requests' and schemathesis' responses both have."""

    status_code: int
    content: bytes
    request: Any  # a requests.PreparedRequest: method, url


@cache
def _operations() -> dict[str, tuple[str, tuple[int, ...]]]:
    """Each operation of the API contract, by its label ("POST /v1/…", as schemathesis has it) ->
    its operationId and documented statuses."""
    paths = contract.load(contract.API_SPEC)["paths"]
    return {f"{method.upper()} {path}": (item[method]["operationId"],
                                         tuple(sorted(int(status) for status in item[method]["responses"] if status.isdigit())))
            for path, item in paths.items() for method in METHODS if method in item}


@cache
def documented() -> dict[str, tuple[int, ...]]:
    return {label: statuses for label, (_, statuses) in _operations().items()}


def labels(operation_ids: list[str]) -> set[str]:
    return {label for label, (operation_id, _) in _operations().items() if operation_id in operation_ids}


@dataclass
class Coverage:
    base_path: str  # the target's base URL path ("" or a tenant's "/t/TEN_…"), before the contract's paths
    answers: Counter = field(default_factory=Counter)  # (operation, status) -> times answered
    seed_rows: Counter = field(default_factory=Counter)  # (status, message) of create-order -> times answered

    @classmethod
    def of(cls, base_url: str) -> Coverage:
        return cls(urlsplit(base_url).path.rstrip("/"))

    def observe(self, answer: Answer) -> None:
        path = urlsplit(answer.request.url).path
        operation = f"{answer.request.method} {path.removeprefix(self.base_path)}"
        if not path.startswith(self.base_path) or operation not in documented():
            return  # the control plane, pages: not the API contract
        self.answers[operation, answer.status_code] += 1
        if operation == CREATE_ORDER and answer.status_code >= 400:
            message = _first_message(answer.content)
            if (answer.status_code, message) in contract.SEED_ERRORS:
                self.seed_rows[answer.status_code, message] += 1

    def merge(self, other: Coverage) -> None:
        self.answers.update(other.answers)
        self.seed_rows.update(other.seed_rows)

    def gaps(self, operations: set[str] | None = None, *, control_plane: bool = True) -> list[str]:
        """What a run that set out to test these operations (None: all) never produced; without a
        control plane, the PSP failure row is not asked for."""
        wanted = [operation for operation in documented() if operations is None or operation in operations]
        missing = [f"{operation} {status}" for operation in wanted for status in documented()[operation]
                   if 200 <= status < 300 and not self.answers[operation, status]]
        if operations is None or CREATE_ORDER in operations:
            missing += [f"{CREATE_ORDER} {status} {message!r} (seed row)" for status, message in contract.SEED_ERRORS
                        if not self.seed_rows[status, message] and (control_plane or (status, message) != PSP_FAILURE_ROW)]
        return missing

    def table(self) -> list[str]:
        """An operation a line, each documented status with its count (`-`: never answered), then the seed rows."""
        width = max(len(operation) for operation in documented())
        lines = [f"{'coverage: operation':<{width}}  documented statuses, times answered"]
        for operation, statuses in sorted(documented().items()):
            counts = " ".join(f"{status}×{self.answers[operation, status] or '-'}" for status in statuses)
            lines.append(f"{operation:<{width}}  {counts}")
        lines.append("seed rows of create-order, times answered:")
        lines += [f"  {self.seed_rows[status, message] or '-':>4}  {status} {message}"
                  for status, message in contract.SEED_ERRORS]
        return lines


def _first_message(content: bytes) -> str | None:
    try:
        errors = json.loads(content)["errors"]
        return errors[0]["message"] if isinstance(errors[0]["message"], str) else None
    except (ValueError, KeyError, IndexError, TypeError):
        return None

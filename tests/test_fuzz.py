"""Schemathesis against the running mock: generated and mutated requests, authenticated for real.

Whatever it sends, the mock answers a documented status with a body that matches the contract,
and never a 5xx but the 501 of an operation the real API does not implement either. (The full
contract suites that verify any deployment live in contracts/.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pancake_mock import contract
from pancake_mock.verify.signing import MerchantSignature

schema = schemathesis.openapi.from_dict(contract.load(contract.API_SPEC))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def world(server):
    client = server.client()
    client.reset()
    return client


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_contract_holds_under_generated_input(case, world):
    # An operation documented as not implemented answers 501, which the contract says it does.
    not_implemented = "501" in case.operation.definition.raw["responses"]
    kwargs = {"base_url": world.base_url,
              "checks": [check for check in CHECKS if not (not_implemented and check is not_a_server_error)]}
    if "security" in case.operation.definition.raw and any("sessionToken" in s for s in case.operation.definition.raw["security"]):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {world.issue_token()}"}
    else:
        kwargs["auth"] = MerchantSignature(world.merchant_id, world.private_key())
    case.call_and_validate(**kwargs)

"""The contract's validity is checked by openapi-spec-validator once per content: the verdict
is remembered only for a valid document."""

import copy

import pytest
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from pancake_mock import contract


def markers(cache):
    folder = cache / "pancake-mock" / "valid-contracts"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_valid_contract_is_remembered_and_an_invalid_one_refused_every_time(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    document = contract.load(contract.API_SPEC)
    contract.check_openapi(document)
    assert len(markers(tmp_path)) == 1
    contract.check_openapi(document)  # remembered: no second marker
    assert len(markers(tmp_path)) == 1
    broken = copy.deepcopy(document)
    broken["info"] = {"title": 3}
    for _ in range(2):
        with pytest.raises(OpenAPIValidationError):
            contract.check_openapi(broken)
    assert len(markers(tmp_path)) == 1


def test_an_unwritable_cache_only_costs_the_check_again(tmp_path, monkeypatch):
    (tmp_path / "pancake-mock").write_text("a file where the folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    contract.check_openapi(contract.load(contract.CONTROL_SPEC))  # validated, nothing remembered, no error

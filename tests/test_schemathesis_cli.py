"""The contract holds when schemathesis' own CLI runs it, as the README tells a user to.

Every document, every check, against a real mock. Fewer examples than the README's 200 keep CI
within a few minutes; the seed is printed in the output of a failing run to reproduce it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pancake_mock import contract
from support import MockServer

ST = Path(sys.executable).with_name("st")
CONFIG = contract.SPEC_DIR / "schemathesis.toml"
CONTRACTS_DIR = Path(__file__).resolve().parents[1] / "contracts"


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    with MockServer.start(tmp_path_factory.mktemp("st-cli")) as running:
        yield running


def st_run(spec: Path, base_url: str, cwd: Path, *options: str, max_examples: int, env: dict | None = None,
           config: tuple[str, ...] = ()) -> str:
    command = [str(ST), *config, "run", str(spec), "--url", base_url,
               "--checks", "all", "--max-examples", str(max_examples), *options]
    # schemathesis writes .schemathesis/ and .hypothesis/ into its working directory.
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300,
                            env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    generated = re.search(r"(\d+) generated", result.stdout)
    assert generated and int(generated.group(1)) > 0, result.stdout[-3000:]
    return result.stdout


@pytest.mark.parametrize(("spec", "max_examples"), [(contract.API_SPEC, 60), (contract.CONTROL_SPEC, 100),
                                                     (contract.PAGES_SPEC, 100)],
                         ids=["pancake.yaml", "control.yaml", "pages.yaml"])
def test_st_run_passes_every_check(mock, spec, max_examples, tmp_path):
    """Exactly the plain command, with no configuration of ours."""
    st_run(spec, mock.base_url, tmp_path, max_examples=max_examples)


def test_st_run_with_a_store_slug_and_a_token_follows_every_link(mock, tmp_path):
    client = mock.client()
    output = st_run(
        contract.API_SPEC, mock.base_url, tmp_path,
        "-H", f"X-Store-Slug: {client.stores[0]['slug']}", "-H", "X-Environment: test",
        "-H", f"Authorization: Bearer {client.issue_token()}",
        max_examples=20, config=("--config-file", str(CONFIG)),
        env={"PYTHONPATH": str(CONTRACTS_DIR), "SCHEMATHESIS_HOOKS": "st_hooks",
             "PANCAKE_MOCK_CREDENTIALS": str(mock.data_dir / "credentials.json")},
    )
    assert "API Links:    2 covered / 2 selected" in output, output[-3000:]

"""The README's recipes, run as a new user would: each code block taken from the README as it
is, against a mock started the way `./dev serve` starts it (data dir `.pancake-mock/` in the
working directory), so a recipe that stops working fails here."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from node import SDK_DIR, install_sdk, needs_node, run
from support import MockServer

README = Path(__file__).parent.parent / "README.md"
RECIPE_TIMEOUT = 120


def code_block(heading: str, language: str) -> str:
    """The first ```language block of the README section under this `## heading`."""
    section = README.read_text().split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(rf"^```{language}\n(.*?)^```$", section, re.S | re.M)
    assert block, f"README section {heading!r} has no ```{language} block"
    return block.group(1)


@pytest.fixture
def user_dir(tmp_path: Path):
    """A user's project directory with the mock's data dir in it, the mock running."""
    with MockServer.start(tmp_path / ".pancake-mock") as server:
        yield tmp_path, server


def completed_orders(server: MockServer) -> list[dict]:
    orders = server.client().send("GET", "/_mock/orders", params={"status": "completed"}).json()["orders"]
    return orders


@pytest.mark.skipif(not (shutil.which("openssl") and shutil.which("curl")) and not os.environ.get("CI"),
                    reason="the curl recipe needs openssl and curl")
def test_the_curl_recipe_pays_an_order(user_dir) -> None:
    directory, server = user_dir
    script = directory / "recipe.sh"
    script.write_text(code_block("Or with curl", "bash"))
    result = subprocess.run(["bash", "-euo", "pipefail", str(script)], cwd=directory, capture_output=True,
                            text=True, timeout=RECIPE_TIMEOUT)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n--- mock log ---\n{server.log_tail()}"
    redirect, status = result.stdout.strip().splitlines()
    assert redirect.startswith(f"303 {server.base_url}/psp/checkout/"), result.stdout
    assert status == "completed", result.stdout
    assert [order["type"] for order in completed_orders(server)] == ["onetime"]


@needs_node
def test_the_sdk_recipe_makes_an_order(user_dir) -> None:
    directory, server = user_dir
    install_sdk()
    (directory / "node_modules").symlink_to(SDK_DIR / "node_modules")
    (directory / "checkout.mjs").write_text(code_block("Point the official SDK at it", "js"))
    env = {key: value for key, value in os.environ.items() if key != "NODE_TEST_CONTEXT"}
    code, output = run(["node", "checkout.mjs"], cwd=directory, env=env, timeout=RECIPE_TIMEOUT)
    assert code == 0, f"{output}\n--- mock log ---\n{server.log_tail()}"
    assert output.strip().startswith(f"{server.base_url}/psp/checkout/"), output
    # The page it printed is payable: the recipe made a real pending order.
    page = server.client().send("GET", output.strip().removeprefix(server.base_url), check=False)
    assert page.status_code == 200 and 'data-state="payable"' in page.text, page.text[:500]

"""`verify` stands apart from the server it judges: its own signature code, written from the
contract, no import of the mock's adapters or domain, and a clear message when its extra is missing.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from pancake_mock.adapters import keys
from pancake_mock.verify import INSTALL_HINT
from pancake_mock.verify import contracts as contract_suites
from pancake_mock.verify.signing import MerchantSignature, canonical_string

VERIFY_PACKAGE = Path(__file__).resolve().parents[1] / "src" / "pancake_mock" / "verify"
SERVER_PACKAGES = ("pancake_mock.adapters", "pancake_mock.domain")
PATH = "/v1/actions/checkout/create-session"
TIMESTAMP = "1700000000"


@pytest.fixture(scope="module")
def key_pair() -> tuple[str, str]:
    return keys.generate_key_pair()


def test_canonical_string_follows_the_documented_algorithm():
    # base64(SHA-256("")) and base64(SHA-256("abc")), the FIPS 180-2 test message, as openssl prints them.
    assert canonical_string("POST", PATH, TIMESTAMP, b"") == (
        b"POST\n/v1/actions/checkout/create-session\n1700000000\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    )
    assert canonical_string("POST", "/p", "1", b"abc") == b"POST\n/p\n1\nungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="


@pytest.mark.parametrize("body", [b"", b'{"productId":"prod_1","currency":"USD"}', "{\"name\": \"Gr\u00fc\u00dfe \u2603\"}".encode()],
                         ids=["empty", "ascii", "utf-8"])
def test_both_implementations_agree_byte_for_byte(key_pair, body):
    private_pem, _ = key_pair
    ours = canonical_string("POST", PATH, TIMESTAMP, body)
    assert ours == keys.canonical_request("POST", PATH, TIMESTAMP, body)
    # PKCS#1 v1.5 is deterministic: one key and one message give one signature.
    assert MerchantSignature("mer_1", private_pem).signature(ours) == keys.sign(private_pem, ours)


def test_a_request_signed_by_verify_passes_the_servers_check(key_pair):
    private_pem, public_pem = key_pair
    body = json.dumps({"productId": "prod_1", "currency": "USD"}).encode()
    request = requests.Request("POST", f"http://127.0.0.1:1{PATH}?ignored=1", data=body).prepare()
    signed = MerchantSignature("mer_1", private_pem)(request)
    stamp = signed.headers["X-Timestamp"]
    assert signed.headers["X-Merchant-Id"] == "mer_1" and stamp.isdigit()
    assert keys.verify(public_pem, keys.canonical_request("POST", PATH, stamp, body), signed.headers["X-Signature"])
    tampered = keys.canonical_request("POST", PATH, stamp, body.replace(b"USD", b"EUR"))
    assert not keys.verify(public_pem, tampered, signed.headers["X-Signature"])


def test_an_unknown_key_signs_what_the_known_key_does_not_verify(key_pair):
    _, public_pem = key_pair
    message = canonical_string("POST", PATH, TIMESTAMP, b"{}")
    assert not keys.verify(public_pem, message, MerchantSignature.with_unknown_key("mer_1").signature(message))


def _imports(source: str, package: str) -> set[str]:
    """Absolute names of what a module of `package` imports, relative imports resolved."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _server_code(modules: set[str]) -> set[str]:
    return {m for m in modules if any(m == server or m.startswith(server + ".") for server in SERVER_PACKAGES)}


def test_the_import_check_sees_every_spelling():
    source = "from ..adapters import keys\nfrom .. import domain\nimport pancake_mock.domain.errors\nfrom .client import Api\n"
    assert _server_code(_imports(source, "pancake_mock.verify")) == {
        "pancake_mock.adapters.keys", "pancake_mock.domain", "pancake_mock.domain.errors"}


def test_verify_and_the_contract_suites_import_no_server_code():
    sources = [(path, "pancake_mock.verify") for path in VERIFY_PACKAGE.glob("*.py")]
    sources += [(path, "pancake_contracts") for path in contract_suites.DIRECTORY.glob("*.py")]
    assert len(sources) >= 10
    offending = {f"{path.parent.name}/{path.name}: {module}" for path, package in sources
                 for module in _server_code(_imports(path.read_text(encoding="utf-8"), package))}
    assert not offending


def test_nothing_verify_loads_reaches_server_code():
    """Indirect imports too (verify uses the contract loader and the spec gate)."""
    probe = (
        "import sys\n"
        "from pancake_mock.verify import client, fuzz, report, runner, scenarios, signing, contracts\n"
        "for name in ('hooks', 'checks', 'scenarios'): contracts.load(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('pancake_mock')))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = set(ast.literal_eval(result.stdout))
    assert "pancake_mock.verify.fuzz" in loaded and not _server_code(loaded)


def test_verify_without_its_extra_says_how_to_install_it(tmp_path):
    """schemathesis blocked as if not installed; the rest of the command line is valid."""
    credentials = tmp_path / "credentials.json"
    credentials.write_text(json.dumps({"merchantId": "mer_1", "apiKeys": [], "stores": []}), encoding="utf-8")
    wrapper = (
        "import runpy, sys\n"
        "sys.modules['schemathesis'] = None\n"  # what a missing package raises: ModuleNotFoundError
        "sys.argv[0] = 'pancake-mock'\n"
        "runpy.run_module('pancake_mock', run_name='__main__')\n"
    )
    command = [sys.executable, "-c", wrapper, "verify", "--base-url", "http://127.0.0.1:9", "--credentials", str(credentials)]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", INSTALL_HINT + "\n")
    assert 'pip install "pancake-mock[verify]"' in INSTALL_HINT

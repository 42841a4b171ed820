"""The developers' pages over HTTP: /docs (Swagger UI and the contracts as JSON), and the control
plane's dashboard and GraphiQL, with every file they load served from its package."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

import pytest
import requests
import yaml
from swagger_ui_bundle import swagger_ui_path

from pancake_mock import contract
from pancake_mock.adapters import keys
from pancake_mock.domain import errors
from support import OUTWARD, MockServer, error_of, needs_outward_address

GRAPHIQL_FILES = Path(str(files("graphene_django_graphiql_static"))) / "static" / "graphene_django_graphiql_static"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One mock on SQLite: the pages read the store as every page does (conftest's `api` resets it)."""
    with MockServer.start(tmp_path_factory.mktemp("docs-pages")) as running:
        yield running


def enum_of(spec: Path, path: str, name: str) -> list[str]:
    [parameter] = [p for p in contract.load(spec)["paths"][path]["get"]["parameters"] if p["name"] == name]
    return parameter["schema"]["enum"]


class Loads(HTMLParser):
    """What a page loads: its scripts' and stylesheets' URLs, and its elements' data attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.urls: list[str] = []
        self.data: dict[str, str] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script" and values.get("src") or tag == "link":
            self.urls.append(values.get("src") or values["href"])
        self.data.update({name[5:]: value for name, value in attrs if name.startswith("data-")})


def placed_order(api) -> str:
    """The id of a new pending one-time order."""
    session = api.create_session()
    answer = api.create_order({"checkoutSessionId": session, "buyerEmail": "ada@example.com",
                               "billingDetail": {"country": "DE", "isBusiness": False}})
    assert answer.status_code == 200, answer.text
    [order] = api.orders(session)
    return order["id"]


def page(server, path: str) -> tuple[requests.Response, Loads]:
    response = requests.get(server.base_url + path, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response, Loads(response.text)


@pytest.mark.parametrize("path", ["/docs", "/_mock/", "/_mock/graphiql"])
def test_each_page_loads_only_files_the_mock_serves_from_its_packages(server, path):
    response, loads = page(server, path)
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "http" not in policy and "unsafe" not in policy
    assert loads.urls and all(url.startswith("/") and not url.startswith("//") for url in loads.urls)
    for url in loads.urls:
        served = requests.get(server.base_url + url, timeout=10)
        assert served.status_code == 200, url
        name = url.rsplit("/", 1)[1]
        package = GRAPHIQL_FILES if url.startswith("/_mock/graphiql/") else Path(swagger_ui_path)
        assert served.content == (package / name).read_bytes(), url
        assert served.headers["content-type"].split(";")[0] == {"js": "text/javascript", "css": "text/css",
                                                               "png": "image/png"}[name.rsplit(".", 1)[1]]


@pytest.mark.parametrize(("path", "package", "name"), [
    ("/docs/swagger-ui/{file}", Path(swagger_ui_path), "file"),
    ("/_mock/graphiql/{file}", GRAPHIQL_FILES, "file")])
def test_every_file_the_contract_names_is_the_packages_own(server, path, package, name):
    spec = contract.PAGES_SPEC if path.startswith("/docs") else contract.CONTROL_SPEC
    for file in enum_of(spec, path, name):
        served = requests.get(server.base_url + path.format(file=file), timeout=10)
        assert served.status_code == 200 and served.content == (package / file).read_bytes(), file


def test_the_three_contracts_are_served_as_json_and_offered_in_the_selector(server):
    _, loads = page(server, "/docs")
    offered = json.loads(loads.data["documents"])
    assert [document["url"] for document in offered] == [f"/docs/openapi/{spec.stem}.json" for spec in contract.DOCUMENTS]
    assert enum_of(contract.PAGES_SPEC, "/docs/openapi/{document}.json", "document") == [
        spec.stem for spec in contract.DOCUMENTS]
    for spec, document in zip(contract.DOCUMENTS, offered):
        served = requests.get(server.base_url + document["url"], timeout=10)
        assert served.status_code == 200 and served.headers["content-type"] == "application/json"
        assert served.json() == json.loads(json.dumps(contract.load(spec)))
        assert document["name"] == yaml.safe_load(spec.read_text(encoding="utf-8"))["info"]["title"]
    # As written, but for what control.yaml borrows from pancake.yaml: copied in, so it stands alone.
    control = requests.get(server.base_url + "/docs/openapi/control.json", timeout=10).json()
    assert not [ref for ref in re.findall(r'"\$ref": "([^"]*)"', json.dumps(control)) if not ref.startswith("#/")]


@pytest.mark.parametrize("path", ["/docs/swagger-ui/..%2F..%2Fpyproject.toml", "/docs/swagger-ui/index.html",
                                  "/docs/openapi/schemathesis.json", "/docs/openapi/pancake.yaml", "/docs/", "/docs/x"])
def test_anything_else_under_docs_is_an_html_error_page(server, path):
    response = requests.get(server.base_url + path, timeout=10)
    assert response.status_code in (400, 404) and response.headers["content-type"].startswith("text/html")
    assert 'id="error-message"' in response.text


@pytest.mark.parametrize("path", ["/_mock/graphiql/..%2Fapp.py", "/_mock/graphiql/graphql-ws.min.js"])
def test_a_file_graphiql_does_not_load_is_refused(server, path):
    assert error_of(requests.get(server.base_url + path, timeout=10))[0] in (400, 404)


def test_the_signing_example_at_the_top_of_the_docs_is_what_the_mock_verifies():
    description = yaml.safe_load(contract.API_SPEC.read_text(encoding="utf-8"))["info"]["description"]
    body, stamp = re.search(r"body\s+`(\{.*?\})` at `X-Timestamp: (\d+)`", description, re.S).groups()
    canonical = re.search(r"```\n(POST\n.*?)\n```", description, re.S).group(1)
    path = canonical.split("\n")[1]
    assert canonical.encode() == keys.canonical_request("POST", path, stamp, body.encode())
    assert re.findall(r"^- `(X-[A-Za-z-]+)", description, re.M) == ["X-Merchant-Id", "X-Timestamp", "X-Signature"]


def test_graphiql_carries_the_worlds_merchant_key_and_signs_the_path_without_a_tenants_prefix(server, api):
    _, loads = page(server, "/_mock/graphiql")
    assert loads.data["merchant-id"] == api.merchant_id
    assert json.loads(loads.data["keys"]) == {key["environment"]: key["privateKeyPem"]
                                              for key in server.credentials["apiKeys"]}
    assert (loads.data["endpoint"], loads.data["signed-path"]) == ("/v1/graphql", "/v1/graphql")
    tenant = api.send("POST", "/_mock/tenants").json()
    _, loads = page(server, f"/t/{tenant['tenantId']}/_mock/graphiql")
    assert loads.data["merchant-id"] == tenant["merchantId"] != api.merchant_id
    assert json.loads(loads.data["keys"])["test"] == next(
        key["privateKeyPem"] for key in tenant["apiKeys"] if key["environment"] == "test")
    assert (loads.data["endpoint"], loads.data["signed-path"]) == (f"/t/{tenant['tenantId']}/v1/graphql", "/v1/graphql")
    assert api.send("DELETE", f"/_mock/tenants/{tenant['tenantId']}").status_code == 200


def test_the_dashboard_reads_the_control_planes_lists_newest_first(server, api):
    _, loads = page(server, "/_mock/")
    endpoints = json.loads(loads.data["endpoints"])
    assert endpoints == {"clock": "/_mock/clock", "orders": "/_mock/orders", "payments": "/_mock/payments",
                         "deliveries": "/_mock/webhooks/deliveries"}
    made = [placed_order(api) for _ in range(3)]
    for order_id in made:
        assert api.send("POST", f"/_mock/orders/{order_id}/pay", json={}).status_code == 200
    api.send("POST", f"/_mock/orders/{made[0]}/pay", json={}, check=False)  # paid: 409, no payment

    for name, key in (("orders", "id"), ("payments", "orderId")):
        newest = api.send("GET", endpoints[name], params={"sort": "newest", "limit": 2}).json()
        rest = api.send("GET", endpoints[name], params={"sort": "newest", "cursor": newest["nextCursor"]}).json()
        assert [item[key] for item in newest[name] + rest[name]] == made[::-1], name
        assert rest["nextCursor"] is None
        oldest = api.send("GET", endpoints[name]).json()
        assert [item[key] for item in oldest[name]] == made, name
    [one] = api.send("GET", "/_mock/payments", params={"orderId": made[1]}).json()["payments"]
    assert one["status"] == "succeeded" and one["card"]["last4"] == "4242"


@needs_outward_address
def test_the_control_planes_pages_want_the_token_from_other_machines_but_docs_do_not(tmp_path):
    with MockServer.start(tmp_path, "--host", "0.0.0.0") as running:
        token = running.credentials["controlToken"]
        outside = f"http://{OUTWARD}:{running.port}"
        for path in ("/_mock/", "/_mock/graphiql", "/_mock/graphiql/graphiql.min.js"):
            assert error_of(requests.get(outside + path, timeout=10)) == (401, errors.CONTROL_TOKEN_REQUIRED.template)
            assert requests.get(outside + path, headers={"X-Control-Token": token}, timeout=10).status_code == 200
        for path in ("/docs", "/docs/openapi/control.json", "/docs/swagger-ui/swagger-ui.css"):
            assert requests.get(outside + path, timeout=10).status_code == 200


def test_without_a_control_plane_its_pages_are_not_found(tmp_path):
    with MockServer.start(tmp_path, "--no-control-plane") as running:
        for path in ("/_mock/", "/_mock/graphiql"):
            assert error_of(requests.get(running.base_url + path, timeout=10)) == (404, "Not found")
        assert requests.get(running.base_url + "/docs", timeout=10).status_code == 200

"""The developers' pages in headless Chromium: Swagger UI renders every contract's operations,
GraphiQL runs a query it signed itself, the dashboard follows orders, payments and the clock."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from browser import console_errors, wait
from pancake_mock import contract
from test_docs_pages import placed_order, server  # noqa: F401 (the module's mock, for conftest's `api`)


def operations(spec) -> int:
    methods = {"get", "put", "post", "delete", "patch"}
    return sum(len(methods & set(item)) for item in contract.load(spec)["paths"].values())


def test_swagger_ui_renders_every_operation_of_each_contract_without_console_errors(server, chromium):
    chromium.get(server.base_url + "/docs")
    selector = wait(chromium, lambda d: d.find_element(By.CSS_SELECTOR, ".topbar select"))
    titles = [option.text for option in Select(selector).options]
    assert titles == [contract.load(spec)["info"]["title"] for spec in contract.DOCUMENTS]
    for spec, title in zip(contract.DOCUMENTS, titles):
        Select(chromium.find_element(By.CSS_SELECTOR, ".topbar select")).select_by_visible_text(title)
        wait(chromium, lambda d: d.find_element(By.CSS_SELECTOR, ".info .title").text.startswith(title))
        shown = wait(chromium, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) or None)
        assert shown == operations(spec), title
    assert console_errors(chromium) == []
    Select(chromium.find_element(By.CSS_SELECTOR, ".topbar select")).select_by_index(0)
    info = wait(chromium, lambda d: d.find_element(By.CSS_SELECTOR, ".info .description"))
    wait(chromium, lambda d: "Merchant signature" in info.text)
    assert "X-Signature" in info.text and "/v1/actions/checkout/create-session" in info.text
    assert not chromium.find_elements(By.CSS_SELECTOR, ".validator, img[src*='validator']")


def result_text(driver) -> str:
    return driver.execute_script("return document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()")


def test_graphiql_runs_a_query_it_signed_and_shows_the_data(server, api, chromium):
    order_id = placed_order(api)
    chromium.get(server.base_url + "/_mock/graphiql")
    editor = wait(chromium, lambda d: d.find_element(By.CSS_SELECTOR, ".graphiql-query-editor .CodeMirror"))
    query = f'{{ onetimeOrder(id: "{order_id}") {{ id status buyerEmail testMode }} }}'
    chromium.execute_script("arguments[0].CodeMirror.setValue(arguments[1])", editor, query)
    chromium.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
    wait(chromium, lambda d: order_id in result_text(d))
    assert '"status": "pending"' in result_text(chromium) and '"testMode": true' in result_text(chromium)

    Select(chromium.find_element(By.ID, "environment")).select_by_visible_text("prod")
    chromium.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
    wait(chromium, lambda d: '"onetimeOrder": null' in result_text(d))  # a prod key sees no test order
    assert console_errors(chromium) == []


def test_graphiql_lists_the_schemas_types_from_introspection(server, chromium):
    chromium.get(server.base_url + "/_mock/graphiql")
    wait(chromium, lambda d: d.find_element(By.CSS_SELECTOR, "button[aria-label='Show Documentation Explorer']")).click()
    wait(chromium, lambda d: d.find_element(By.LINK_TEXT, "Query")).click()
    fields = wait(chromium, lambda d: d.find_element(By.CSS_SELECTOR, ".graphiql-doc-explorer-content"))
    wait(chromium, lambda d: "onetimeOrders" in fields.text)
    assert "webhookDeliveries" in fields.text
    assert console_errors(chromium) == []


def row_ids(driver, table: str) -> list[str]:
    return [row.get_attribute("data-id") for row in driver.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr[data-id]")]


def test_the_dashboard_shows_an_order_once_made_and_paid_and_the_clock_once_advanced(server, api, chromium):
    chromium.get(server.base_url + "/_mock/")
    wait(chromium, lambda d: d.find_element(By.ID, "clock-now").text != "…")
    assert row_ids(chromium, "orders") == []
    order_id = placed_order(api)
    wait(chromium, lambda d: row_ids(d, "orders") == [order_id])
    assert "pending" in chromium.find_element(By.CSS_SELECTOR, "#orders tbody tr").text

    paid = api.send("POST", f"/_mock/orders/{order_id}/pay", json={}).json()
    wait(chromium, lambda d: row_ids(d, "payments") == [paid["payment"]["id"]])
    wait(chromium, lambda d: "completed" in d.find_element(By.CSS_SELECTOR, "#orders tbody tr").text)
    assert "visa 4242" in chromium.find_element(By.CSS_SELECTOR, "#payments tbody tr").text

    moved = api.send("PUT", "/_mock/clock", json={"now": "2031-05-04T03:02:01Z"}).json()
    wait(chromium, lambda d: d.find_element(By.ID, "clock-now").text.startswith("2031-05-04T03:02"))
    assert str(moved["offsetSeconds"]) in chromium.find_element(By.ID, "clock-offset").text
    newer = placed_order(api)
    wait(chromium, lambda d: row_ids(d, "orders") == [newer, order_id])  # newest first
    assert chromium.find_element(By.ID, "dashboard-error").get_attribute("hidden") is not None
    assert console_errors(chromium) == []

// The dashboard: a client of the control plane's JSON, read again a second after each answer.
// Everything shown is set as text, never as HTML.
(() => {
  const main = document.querySelector("main");
  const endpoints = JSON.parse(main.dataset.endpoints);
  const recent = "?sort=newest&limit=10";
  const $ = (id) => document.getElementById(id);

  function fill(tableId, rows, cells) {
    const body = $(tableId).tBodies[0];
    body.replaceChildren(...rows.map((row) => {
      const tr = document.createElement("tr");
      tr.dataset.id = row.id;
      for (const value of cells(row)) tr.insertCell().textContent = value ?? "";
      return tr;
    }));
    if (!rows.length) {
      const cell = body.insertRow().insertCell();
      cell.colSpan = $(tableId).tHead.rows[0].cells.length;
      cell.className = "empty";
      cell.textContent = "none yet";
    }
  }

  async function read(path) {
    const response = await fetch(path, {headers: {Accept: "application/json"}});
    const body = await response.json();
    if (!response.ok) throw new Error(body.errors?.[0]?.message || `${path}: ${response.status}`);
    return body;
  }

  async function refresh() {
    const [clock, orders, payments, deliveries] = await Promise.all([
      read(endpoints.clock), read(endpoints.orders + recent), read(endpoints.payments + recent),
      read(endpoints.deliveries + recent)]);
    $("clock-now").textContent = clock.now;
    $("clock-offset").textContent = clock.offsetSeconds ? `(wall time ${clock.offsetSeconds > 0 ? "+" : ""}${clock.offsetSeconds} s)` : "(wall time)";
    fill("orders", orders.orders, (o) => [o.id, o.type, o.status, o.environment, o.buyerEmail,
      `${o.priceSnapshot.total} ${o.currency}`, o.createdAt]);
    fill("payments", payments.payments, (p) => [p.id, p.orderId, p.status, `${p.amount} ${p.currency}`,
      p.card ? `${p.card.brand} ${p.card.last4}` : p.failureReason, p.createdAt]);
    fill("deliveries", deliveries.deliveries, (d) => [d.eventType, d.status, `${d.attemptCount}/${d.maxAttempts}`,
      d.url, d.createdAt]);
    $("updated").textContent = `Updated ${new Date().toLocaleTimeString()}.`;
  }

  async function poll() {
    try {
      await refresh();
      $("dashboard-error").hidden = true;
    } catch (error) {
      $("dashboard-error").textContent = String(error.message || error);
      $("dashboard-error").hidden = false;
    }
    setTimeout(poll, 1000);
  }
  poll();
})();

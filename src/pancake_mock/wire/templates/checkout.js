// The hosted checkout page: a client of the mock's public API, as the real page is of the real one.
// The buyer's session token is the URL's #token (checkout.authenticated.create), else the one the
// page was served with. Everything shown is set as text, never as HTML.
(() => {
  const main = document.querySelector("main");
  const form = document.getElementById("checkout");
  if (!form) return;
  const $ = (id) => document.getElementById(id);
  const sessionId = main.dataset.sessionId, slug = main.dataset.storeSlug, environment = main.dataset.environment;
  const token = new URLSearchParams(location.hash.slice(1)).get("token") || main.dataset.token;
  if (main.dataset.email === "locked" && location.hash.includes("token=")) $("buyerEmail").readOnly = true;

  function billingDetail() {
    const country = $("country").value, detail = {country, isBusiness: $("isBusiness").checked};
    if (country === "US" || country === "CA") detail.state = $("state").value || undefined;
    if ($("postcode").value.trim()) detail.postcode = $("postcode").value.trim();
    if (detail.isBusiness) {
      detail.businessName = $("businessName").value.trim() || undefined;
      detail.taxId = $("taxId").value.trim() || undefined;
    }
    return detail;
  }

  function showStates() {
    const country = $("country").value, asked = country === "US" || country === "CA";
    $("state-field").hidden = !asked;
    for (const option of $("state").options) {
      if (option.dataset.country) option.hidden = option.dataset.country !== country;
    }
    if ($("state").selectedOptions[0]?.hidden) $("state").value = "";
  }

  async function call(path, body, headers) {  // under the world's base path: a tenant's page calls its own API
    const response = await fetch(main.dataset.apiBase + path, {method: "POST", headers: {"Content-Type": "application/json", ...headers},
                                        body: JSON.stringify(body)});
    const answer = await response.json().catch(() => ({errors: [{message: "The server did not answer in JSON."}]}));
    return {status: response.status, data: answer.data, message: answer.errors?.[0]?.message};
  }

  function say(element, message) {
    element.textContent = message || "";
    element.hidden = !message;
  }

  let asked = 0;
  async function preview() {
    const mine = ++asked;
    const answer = await call("/v1/actions/checkout/preview-tax", {checkoutSessionId: sessionId, billingDetail: billingDetail()},
                              {"X-Store-Slug": slug, "X-Environment": environment});
    if (mine !== asked) return;  // a newer preview is on its way
    const lines = $("tax-lines");
    lines.replaceChildren();
    if (answer.status !== 200) {
      $("preview-total").textContent = "…";
      say($("preview-error"), answer.message);
      return;
    }
    say($("preview-error"), "");
    const quote = answer.data;
    const row = (label, amount, className) => {
      const tr = document.createElement("tr");
      if (className) tr.className = className;
      for (const text of [label, `${amount} ${quote.currency}`]) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      lines.append(tr);
    };
    row("Subtotal", quote.subtotal);
    for (const line of quote.lines) {
      row(`${line.name} (${line.jurisdiction}, ${(Number(line.rate) * 100).toLocaleString("en", {maximumFractionDigits: 4})} %)`,
          line.amount, "tax-line");
    }
    $("preview-total").textContent = `${quote.total} ${quote.currency}`;
  }

  let timer;
  const changed = () => {
    showStates();
    $("business-fields").hidden = !$("isBusiness").checked;
    clearTimeout(timer);
    timer = setTimeout(preview, 250);
  };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);  // a select may fire only this

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    $("continue").disabled = true;
    say($("checkout-error"), "");
    const body = {checkoutSessionId: sessionId, billingDetail: billingDetail()};
    if ($("buyerEmail").value.trim()) body.buyerEmail = $("buyerEmail").value.trim();
    const answer = await call(main.dataset.orderPath, body,
                              {"Authorization": `Bearer ${token}`, "X-Environment": environment});
    if (answer.status === 200) {
      location.assign(answer.data.checkoutUrl);
      return;
    }
    say($("checkout-error"), answer.message || `The order failed (${answer.status}).`);
    $("restart-field").hidden = answer.status !== 409;
    $("continue").disabled = false;
  });

  $("restart").href = location.pathname;
  showStates();
  preview();
})();

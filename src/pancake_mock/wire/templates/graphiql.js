// GraphiQL over POST /v1/graphql, as a merchant: each request is signed here, with WebCrypto, as
// the API's contract says (RSASSA-PKCS1-v1_5 over SHA-256 of method, path, timestamp and the
// body's SHA-256). The keys came with this page, which only the control plane's callers get.
(() => {
  const root = document.getElementById("graphiql");
  const {merchantId, endpoint, signedPath} = root.dataset;
  const pems = JSON.parse(root.dataset.keys);
  const environment = document.getElementById("environment");
  const problem = document.getElementById("graphiql-error");
  const utf8 = new TextEncoder();
  const base64 = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)));
  const keys = {};

  const der = (pem) => Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, "")), (c) => c.charCodeAt(0));
  const signingKey = (name) => keys[name] ??= crypto.subtle.importKey(
    "pkcs8", der(pems[name]), {name: "RSASSA-PKCS1-v1_5", hash: "SHA-256"}, false, ["sign"]);

  async function fetcher(params) {
    const body = JSON.stringify(params);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const digest = base64(await crypto.subtle.digest("SHA-256", utf8.encode(body)));
    const canonical = ["POST", signedPath, timestamp, digest].join("\n");
    const signature = base64(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", await signingKey(environment.value),
                                                      utf8.encode(canonical)));
    const response = await fetch(endpoint, {method: "POST", body, headers: {
      "Content-Type": "application/json", "X-Merchant-Id": merchantId, "X-Timestamp": timestamp, "X-Signature": signature}});
    return response.json();
  }

  if (!window.isSecureContext) {  // no crypto.subtle: nothing could be signed
    problem.textContent = "WebCrypto signs only in a secure context: open this page at http://127.0.0.1 or localhost.";
    problem.hidden = false;
    return;
  }
  const firstQuery = "# Signed with the key chosen above. Docs and Explorer, on the left, list the schema.\n" +
    "{\n  stores { id name slug }\n  payments(limit: 5) { id orderId status amount currency }\n}\n";
  function SignedGraphiQL() {  // the explorer plugin edits the query GraphiQL shows, and back
    const [query, setQuery] = React.useState(firstQuery);
    const explorer = GraphiQLPluginExplorer.useExplorerPlugin({query, onEdit: setQuery});
    return React.createElement(GraphiQL, {fetcher, query, onEditQuery: setQuery, plugins: [explorer]});
  }
  ReactDOM.render(React.createElement(SignedGraphiQL), root);
})();

// Swagger UI over the mock's own contracts: the documents come with the page, and no online
// validator is asked (validatorUrl null), so nothing leaves the machine. Swagger UI 4 refuses an
// `openapi: 3.1.x` document outright, so each contract is handed to it as 3.0.3: the document
// served is the contract as written, only this page's copy says 3.0.
(() => {
  const root = document.getElementById("swagger-ui");
  const urls = JSON.parse(root.dataset.documents);
  const documents = new Set(urls.map(({url}) => new URL(url, location.href).href));
  function asOpenapi30(response) {
    if (documents.has(response.url) && response.ok) {
      const document = JSON.parse(response.text);
      response.text = JSON.stringify({...document, openapi: "3.0.3"});
    }
    return response;
  }
  window.ui = SwaggerUIBundle({
    urls,
    "urls.primaryName": urls[0].name,
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    responseInterceptor: asOpenapi30,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
  });
})();

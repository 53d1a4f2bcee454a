// The API explorer's initialiser. It lives in a file, not in the page, so /docs runs
// under the same Content-Security-Policy as the rest of the UI (script-src 'self').
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null,
  });
})();

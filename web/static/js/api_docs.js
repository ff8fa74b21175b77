// Starts the vendored Swagger UI on /api/docs with this server's OpenAPI document. A file, not an inline script:
// the Content-Security-Policy allows scripts from /static only. validatorUrl null: no request to swagger.io.

const root = document.getElementById("api-docs");
window.SwaggerUIBundle({
  url: root.dataset.spec,
  domNode: root,
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: false,
});

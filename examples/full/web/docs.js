// Renders the API reference from the server's own OpenAPI document (no other host).
window.addEventListener("DOMContentLoaded", () => {
  window.SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#reference",
    deepLinking: false,
    tryItOutEnabled: false,
    validatorUrl: null,
  });
});

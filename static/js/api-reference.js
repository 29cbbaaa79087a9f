// Starts Swagger UI on the API reference page (/api/). The Content-Security-Policy allows no
// inline script, so the page only names the schema's URL and this file does the rest.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var element = document.getElementById("swagger-ui");
  if (!element || !window.SwaggerUIBundle) {
    return;
  }
  window.SwaggerUIBundle({
    url: element.dataset.schemaUrl,
    domNode: element,
    // Deep links put an <a> inside each operation's <button>: nested controls that screen readers
    // cannot use (axe: nested-interactive).
    deepLinking: false,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // "Try it out" from a logged-in browser uses the session: send Django's CSRF token.
    requestInterceptor: function (request) {
      var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      if (match && request.method && request.method.toUpperCase() !== "GET") {
        request.headers["X-CSRFToken"] = decodeURIComponent(match[1]);
      }
      return request;
    },
  });

  // Swagger UI leaves a parameter's value list without a label; name it after its parameter.
  new MutationObserver(function () {
    element.querySelectorAll("tr[data-param-name] select:not([aria-label])").forEach(function (select) {
      select.setAttribute("aria-label", select.closest("tr").dataset.paramName);
    });
  }).observe(element, { childList: true, subtree: true });
});

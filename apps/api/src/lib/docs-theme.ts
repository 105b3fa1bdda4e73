// The /docs page (Swagger UI) as a phone needs it: Swagger UI's page has no viewport meta, so a
// phone lays it out 980 px wide and shrinks it; and some of its rows do not wrap.
const viewport = `
(function () {
  var meta = document.createElement("meta");
  meta.name = "viewport";
  meta.content = "width=device-width, initial-scale=1";
  document.head.appendChild(meta);
})();
`;

const narrow = `
@media (max-width: 600px) {
  .swagger-ui .wrapper { padding: 0 8px; }
  .swagger-ui .info { margin: 24px 0; }
  .swagger-ui .info .title { font-size: 24px; }
  .swagger-ui .scheme-container { padding: 12px 0; }
  .swagger-ui .opblock .opblock-summary { flex-wrap: wrap; }
  .swagger-ui .opblock .opblock-summary-path,
  .swagger-ui .opblock .opblock-summary-path__deprecated { max-width: 100%; word-break: break-all; }
  .swagger-ui .opblock .opblock-summary-description { flex-basis: 100%; }
  .swagger-ui table { table-layout: fixed; width: 100%; }
  .swagger-ui table td, .swagger-ui table th { word-break: break-word; }
  .swagger-ui .parameters-col_name { width: 30%; }
  .swagger-ui .response-col_status { width: 64px; word-break: normal; }
  .swagger-ui .responses-inner, .swagger-ui .opblock-body pre { max-width: 100%; overflow-x: auto; }
  .swagger-ui .model-box, .swagger-ui section.models { max-width: 100%; overflow-x: auto; }
  .swagger-ui .opblock-section-header { flex-wrap: wrap; }
  /* OpenAPI links are not used here; the column only says "No links". */
  .swagger-ui .response-col_links { display: none; }
}
`;

export const docsTheme = {
  title: "Taskbridge task API",
  js: [{ filename: "viewport.js", content: viewport }],
  css: [{ filename: "narrow.css", content: narrow }],
};

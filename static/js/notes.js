// The note editor: warn before leaving with unsaved changes.
(() => {
  let dirty = false;
  document.addEventListener("input", (event) => {
    if (event.target.closest("form[data-dirty-guard]")) dirty = true;
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt.closest && event.detail.elt.closest("form[data-dirty-guard]");
    if (form && event.detail.successful && event.detail.elt === form) dirty = false;
  });
  document.addEventListener("submit", (event) => {
    // A plain (non-htmx) submit navigates away on purpose.
    if (event.target.matches("form[data-dirty-guard]") && !window.htmx) dirty = false;
  });
  window.addEventListener("beforeunload", (event) => {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();

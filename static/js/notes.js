// The notebook on the paper page: sections open in place, autosave, keyboard use, and a
// warning before leaving with unsaved changes. Loaded as a file: the CSP allows no inline code.
(() => {
  // Editors with changes not saved yet.
  const dirty = new Set();
  const version = () => document.getElementById("note-version");

  document.addEventListener("input", (event) => {
    const form = event.target.closest("form[data-dirty-guard]");
    if (form) dirty.add(form);
  });

  // Every save sends the note's latest version (one per note, kept in #note-version and
  // swapped out of band after each save), so a section saved after another is not stale.
  // A save triggered by typing is an autosave: the server keeps the editor open.
  document.addEventListener("htmx:configRequest", (event) => {
    const form = event.detail.elt.closest && event.detail.elt.closest(".notebook form");
    if (!form || event.detail.parameters.version === undefined || !version()) return;
    event.detail.parameters.version = version().value;
    const trigger = event.detail.triggeringEvent;
    if (trigger && trigger.type === "input") event.detail.parameters.autosave = "1";
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt.closest && event.detail.elt.closest("form[data-dirty-guard]");
    if (form && event.detail.successful && event.detail.elt === form) dirty.delete(form);
  });

  // Once a swapped section has settled (and htmx has wired its buttons): an editor takes
  // the focus, a closed section gives it back to its Edit button, so keyboard users carry on.
  document.addEventListener("htmx:afterSettle", (event) => {
    const section = event.target;
    if (!section.classList || !section.classList.contains("note-section")) return;
    const fresh = section;
    const field = fresh.querySelector("textarea, input[type=url]");
    if (field) {
      field.focus();
    } else {
      const edit = fresh.querySelector(".note-edit");
      if (edit) edit.focus();
    }
  });

  function openEditor(section) {
    const edit = section && section.querySelector(".note-edit");
    if (edit) edit.click();
  }

  // Clicking a rendered section opens its editor (links and selections inside work as usual).
  document.addEventListener("click", (event) => {
    const body = event.target.closest("[data-open-editor]");
    if (!body || event.target.closest("a") || String(window.getSelection())) return;
    openEditor(body.closest(".note-section"));
  });

  document.addEventListener("keydown", (event) => {
    const inEditor = event.target.closest && event.target.closest(".note-section.is-editing form");
    if (inEditor && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      inEditor.requestSubmit();
      return;
    }
    if (inEditor && event.key === "Escape") {
      event.preventDefault();
      const close = inEditor.querySelector(".note-cancel");
      if (close) close.click();
      return;
    }
    if (event.key === "Enter" && event.target.matches && event.target.matches(".note-edit")) {
      event.preventDefault(); // a link styled as a button: Enter works, and so does Space below
      event.target.click();
      return;
    }
    if (event.key === " " && event.target.matches && event.target.matches("a[role=button]")) {
      event.preventDefault();
      event.target.click();
      return;
    }
    // "e" on a focused section (its Edit button or anything in it but a field) opens it.
    const typing = event.target.matches && event.target.matches("input, textarea, select");
    if (event.key === "e" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      const section = event.target.closest && event.target.closest(".note-section:not(.is-editing)");
      if (section) {
        event.preventDefault();
        openEditor(section);
      }
    }
  });

  // Closing an editor with unsaved text saves it (and closes on the rendered section).
  document.addEventListener("click", (event) => {
    const close = event.target.closest(".note-cancel");
    const form = close && close.closest("form");
    if (form && dirty.has(form)) {
      event.preventDefault();
      event.stopPropagation();
      form.requestSubmit();
    }
  }, true);

  document.addEventListener("submit", (event) => {
    // A plain (non-htmx) submit navigates away on purpose.
    if (event.target.matches("form[data-dirty-guard]") && !window.htmx) dirty.delete(event.target);
  });
  window.addEventListener("beforeunload", (event) => {
    if (![...dirty].some((form) => form.isConnected)) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();

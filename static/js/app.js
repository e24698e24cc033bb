// Small behaviours that need script; loaded as a file so the CSP needs no inline code.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  navigator.clipboard.writeText((source.value ?? source.innerText).trim()).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});

// Meeting form: add a paper picked from the search results, remove one.
document.addEventListener("click", (event) => {
  const pick = event.target.closest("[data-pick-paper]");
  if (pick) {
    const list = document.getElementById("picked-papers");
    const id = pick.dataset.pickPaper;
    if (list && !list.querySelector(`input[value="${CSS.escape(id)}"]`)) {
      const item = document.createElement("li");
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "papers";
      input.value = id;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary outline";
      remove.dataset.removeClosest = "li";
      remove.textContent = "Remove";
      item.append(input, document.createTextNode(pick.dataset.title + " "), remove);
      list.append(item);
    }
    return;
  }
  const remove = event.target.closest("[data-remove-closest]");
  if (remove) remove.closest(remove.dataset.removeClosest).remove();
});

// Enter in a search box inside a larger form searches; it must not submit that form.
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target.matches("[data-no-submit]")) event.preventDefault();
});

// Actions that cannot be undone ask first (data-confirm on the form). Without script they
// simply go ahead, as any form does.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// Typeset the math in rendered notes with KaTeX (static/vendor/katex/katex.min.js, loaded first).
//
// notes/markdown.py emits math as
//   <span class="arithmatex">\(a*b\)</span>            inline
//   <div class="arithmatex">\[\sum_i x_i\]</div>       display
//   <span class="arithmatex">\[x\]</span>              display, written inside a paragraph
// We strip the delimiters and hand the TeX to katex.render, which builds DOM nodes and sets
// their styles through CSSOM: that works under our CSP (style-src 'self'), where
// renderToString's inline style attributes would be blocked.
(() => {
  const DELIMITERS = [
    ["\\(", "\\)", false],
    ["\\[", "\\]", true],
  ];
  const OPTIONS = {
    throwOnError: false, // bad TeX shows as its source text, never breaks the page
    trust: false, // no \href, \url, \includegraphics, \htmlClass, … from user TeX
    maxSize: 10, // em: a \rule or \hspace cannot blot out the page
    maxExpand: 1000, // macro expansions: no exponential-blowup freezes
  };
  // Elements rendered during this page's life. A node copied by htmx's history cache is a
  // new node, so it is typeset again (from data-math-tex, as its text is KaTeX output by then).
  const rendered = new WeakSet();

  function texOf(el) {
    if (el.dataset.mathTex !== undefined) {
      return [el.dataset.mathTex, el.dataset.mathDisplay === "true"];
    }
    const text = el.textContent.trim();
    for (const [open, close, display] of DELIMITERS) {
      if (text.startsWith(open) && text.endsWith(close)) {
        return [text.slice(open.length, text.length - close.length), display];
      }
    }
    return [text, el.tagName === "DIV"];
  }

  function typeset(el) {
    // An outer math element already replaced this one's content (nested spans from raw HTML).
    if (rendered.has(el) || !el.isConnected) return;
    const [tex, displayMode] = texOf(el);
    el.dataset.mathTex = tex;
    el.dataset.mathDisplay = String(displayMode);
    katex.render(tex, el, { ...OPTIONS, displayMode });
    rendered.add(el);
  }

  function typesetWithin(root) {
    if (!window.katex || !root || !root.querySelectorAll) return;
    if (root.matches && root.matches(".arithmatex")) typeset(root);
    root.querySelectorAll(".arithmatex").forEach(typeset);
  }

  function start() {
    typesetWithin(document.body);
    // htmx:load fires for each piece of new content (swaps and history restores);
    // afterSwap covers swaps that do not announce their new content with load.
    document.body.addEventListener("htmx:load", (event) => typesetWithin(event.target));
    document.body.addEventListener("htmx:afterSwap", () => typesetWithin(document.body));
  }

  // Once per page, even if a swapped-in fragment carries this script again.
  if (window.readingGroupMath) return;
  window.readingGroupMath = true;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

r"""The note renderer: Markdown with math in, HTML that is safe to mark safe out.

Every output is parsed the way a browser parses it (html5lib, the parser bleach itself
uses) and checked against the allowlist; the checks do not trust the renderer's own
helpers, only its published constants.
"""

import re
import threading
import xml.etree.ElementTree as etree

import pytest
from bleach._vendor import html5lib  # bleach's own copy; the spec-following HTML5 parser

from notes.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_PROTOCOLS,
    ALLOWED_TAGS,
    RENDERER_VERSION,
    render_markdown,
    sanitize_html,
)
from tests.notes.xss_corpus import PAYLOADS

REL = "nofollow noopener noreferrer"
# Characters that browsers skip in URLs or that hide a scheme from a reader.
_INVISIBLE = {*map(chr, range(0x21)), *map(chr, range(0x7F, 0xA1))} | set(
    "\u00ad\u200b\u200c\u200d\u2060\ufeff"
)
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")


def url_scheme(url: str) -> str | None:
    cleaned = "".join(c for c in url if c not in _INVISIBLE and not c.isspace()).lower()
    match = _SCHEME.match(cleaned)
    return match.group(1) if match else None


def parse(fragment: str) -> etree.Element:
    return html5lib.parseFragment(fragment, treebuilder="etree", namespaceHTMLElements=False)


def assert_safe(fragment: str) -> None:
    """Fail unless every element and attribute of `fragment` is on the allowlist."""
    for el in parse(fragment).iter():
        if el.tag == "DOCUMENT_FRAGMENT":
            continue
        assert isinstance(el.tag, str), f"comment or processing instruction in {fragment!r}"
        assert el.tag in ALLOWED_TAGS, f"<{el.tag}> in {fragment!r}"
        for name, value in el.attrib.items():
            lowered = name.lower()
            assert not lowered.startswith(("on", "hx-", "data-")), f"{name} in {fragment!r}"
            assert lowered not in {"style", "id", "name", "srcdoc", "formaction", "srcset"}
            assert name in ALLOWED_ATTRIBUTES.get(el.tag, ()), f"{el.tag}[{name}] in {fragment!r}"
            if name == "class":
                assert value == "arithmatex", f"class={value!r} in {fragment!r}"
            if name == "href":
                assert url_scheme(value) in ALLOWED_PROTOCOLS, f"href={value!r} in {fragment!r}"
            if name == "src":
                assert url_scheme(value) == "https", f"src={value!r} in {fragment!r}"
            if name == "align":
                assert value in {"left", "center", "right"}
        if el.tag == "a":
            assert el.get("rel") == REL, f"link without rel in {fragment!r}"


def tags(fragment: str) -> list[str]:
    return [el.tag for el in parse(fragment).iter() if el.tag != "DOCUMENT_FRAGMENT"]


# --- the corpus -------------------------------------------------------------------------


def test_corpus_is_large_and_has_no_duplicates():
    assert len(PAYLOADS) >= 110
    assert len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rendered_payload_is_safe_and_stable(payload):
    html = render_markdown(payload)
    assert_safe(html)
    assert render_markdown(payload) == html
    assert sanitize_html(html) == html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_as_raw_html_is_safe_and_stable(payload):
    html = sanitize_html(payload)
    assert_safe(html)
    assert sanitize_html(html) == html


@pytest.mark.parametrize(
    "payload",
    [p for p in PAYLOADS if re.search(r"javascript|vbscript|data:|//evil|/relative", p, re.I)],
)
def test_hostile_urls_never_become_link_targets(payload):
    for el in parse(render_markdown(payload)).iter():
        for name in ("href", "src"):
            value = el.get(name)
            assert value is None or url_scheme(value) in {"http", "https", "mailto"}


def test_a_link_that_loses_its_url_becomes_text():
    assert render_markdown("[x](javascript:alert(1))") == "<p>x</p>"
    assert render_markdown('<a href="jav&#x09;ascript:alert(1)">x</a>') == "<p>x</p>"
    assert render_markdown("[x](java\u200bscript:alert(1))") == "<p>x</p>"
    assert render_markdown("[x](//evil.example/x.js)") == "<p>x</p>"


def test_images_load_over_https_only():
    assert render_markdown("![a](http://tracker.example/p.png)") == '<p><img alt="a"></p>'
    assert render_markdown("![a](//evil.example/p.png)") == '<p><img alt="a"></p>'
    assert render_markdown("![a](https://ok.example/p.png)") == (
        '<p><img alt="a" src="https://ok.example/p.png"></p>'
    )


def test_disallowed_tags_are_shown_as_text_not_run():
    html = render_markdown("Generic f<T>(x) and <script>alert(1)</script>")
    assert html == "<p>Generic f&lt;T&gt;(x) and &lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_only_the_math_class_survives():
    html = render_markdown('<span class="arithmatex x">a</span> <span class="evil">b</span>')
    assert 'class="' not in html
    html = render_markdown('<span class="arithmatex">a</span>')
    assert '<span class="arithmatex">a</span>' in html


# --- math ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("$a*b*c$", r'<p><span class="arithmatex">\(a*b*c\)</span></p>'),
        (r"$\frac{a}{b}$", r'<p><span class="arithmatex">\(\frac{a}{b}\)</span></p>'),
        (r"$x_1 + x_2 = y_i^2$", r'<p><span class="arithmatex">\(x_1 + x_2 = y_i^2\)</span></p>'),
        (r"\(x\)", r'<p><span class="arithmatex">\(x\)</span></p>'),
        ("$a<b$", r'<p><span class="arithmatex">\(a&lt;b\)</span></p>'),
        (r"$$\sum_i x_i^2$$", r'<div class="arithmatex">\[\sum_i x_i^2\]</div>'),
        (
            "$$\n\\mathcal{L} = -\\sum_t \\log p(x_t)\n$$",
            '<div class="arithmatex">\\[\n\\mathcal{L} = -\\sum_t \\log p(x_t)\n\\]</div>',
        ),
        ("$$a<b$$", r'<div class="arithmatex">\[a&lt;b\]</div>'),
        (
            "\\begin{align}\na &= b\n\\end{align}",
            '<div class="arithmatex">\\[\\begin{align}\na &amp;= b\n\\end{align}\\]</div>',
        ),
    ],
)
def test_math_survives_markdown_verbatim(text, html):
    assert render_markdown(text) == html


def test_display_math_on_a_line_inside_a_paragraph():
    html = render_markdown("The loss is\n$$L = \\sum_i \\ell_i$$\nover the batch.")
    assert html == (
        "<p>The loss is\n"
        '<span class="arithmatex">\\[L = \\sum_i \\ell_i\\]</span>\n'
        "over the batch.</p>"
    )


@pytest.mark.parametrize(
    "text",
    [
        "It costs $5 and $10 a month.",
        "Between $5-$10 per GPU hour.",
        "Either $5/$10 or nothing.",
        "Prices: $5, $10, and $20.",
        r"A literal \$x\$ stays text.",
    ],
)
def test_dollar_amounts_stay_text(text):
    html = render_markdown(text)
    assert "arithmatex" not in html
    assert "$" in html


def test_dollar_amount_next_to_real_math():
    html = render_markdown("Training cost $5 per run of $O(n^2)$ time.")
    assert html == (
        r'<p>Training cost $5 per run of <span class="arithmatex">\(O(n^2)\)</span> time.</p>'
    )


def test_math_inside_code_is_left_as_code():
    assert render_markdown("`$a*b*c$`") == "<p><code>$a*b*c$</code></p>"
    assert render_markdown("```\n$$x$$ and $y$\n```") == "<pre><code>$$x$$ and $y$\n</code></pre>"
    assert render_markdown("    $z$") == "<pre><code>$z$\n</code></pre>"


def test_math_is_never_linkified_or_emphasised():
    html = render_markdown(r"$\text{see https://arxiv.org} _a_ *b*$")
    assert html == (
        r'<p><span class="arithmatex">\(\text{see https://arxiv.org} _a_ *b*\)</span></p>'
    )


# --- ordinary Markdown ----------------------------------------------------------------------


def test_headings_and_emphasis():
    html = render_markdown("# Title\n\n## Section\n\nSome *em* and **strong** text.")
    assert html == (
        "<h1>Title</h1>\n<h2>Section</h2>\n"
        "<p>Some <em>em</em> and <strong>strong</strong> text.</p>"
    )


def test_lists():
    html = render_markdown("- one\n- two\n\n1. first\n2. second")
    assert tags(html) == ["ul", "li", "li", "ol", "li", "li"]


def test_tables_keep_alignment_as_an_attribute():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |")
    assert tags(html) == ["table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td"]
    assert '<th align="left">a</th>' in html
    assert '<td align="right">2</td>' in html


def test_fenced_code_keeps_its_text_and_loses_its_class():
    html = render_markdown('```python\nprint("<b>hi</b>")\n```')
    assert html == "<pre><code>print(&quot;&lt;b&gt;hi&lt;/b&gt;&quot;)\n</code></pre>"


def test_links_get_rel():
    html = render_markdown('[paper](https://arxiv.org/abs/1706.03762 "Attention")')
    assert html == (
        f'<p><a href="https://arxiv.org/abs/1706.03762" title="Attention" rel="{REL}">paper</a></p>'
    )
    assert f'rel="{REL}"' in render_markdown("<https://arxiv.org/abs/1706.03762>")
    assert f'rel="{REL}"' in render_markdown("[mail](mailto:alice@example.org)")


def test_bare_urls_become_links_but_file_names_do_not():
    html = render_markdown("Code at https://github.com/x/y see train.py")
    assert html == (
        f'<p>Code at <a href="https://github.com/x/y" rel="{REL}">https://github.com/x/y</a>'
        " see train.py</p>"
    )


def test_https_image_is_kept():
    html = render_markdown('![fig 1](https://arxiv.org/fig1.png "Figure")')
    assert html == '<p><img alt="fig 1" src="https://arxiv.org/fig1.png" title="Figure"></p>'


def test_blockquote_definition_list_abbreviation_and_footnote():
    text = (
        "> quoted\n\nTerm\n: definition\n\n*[SGD]: stochastic gradient descent\n\n"
        "We use SGD.[^1]\n\n[^1]: With momentum."
    )
    html = render_markdown(text)
    assert_safe(html)
    assert "<blockquote>" in html
    assert "<dt>Term</dt>" in html
    assert '<abbr title="stochastic gradient descent">SGD</abbr>' in html
    assert "With momentum." in html


def test_empty_text_renders_to_nothing():
    assert render_markdown("") == ""


# --- state and versioning ---------------------------------------------------------------------


def test_nothing_leaks_from_one_render_into_the_next():
    render_markdown("[ref]: https://evil.example\n\n*[LLM]: secret\n\nx[^n]\n\n[^n]: secret note")
    html = render_markdown("[x][ref] LLM and y[^n]")
    assert "evil.example" not in html
    assert "secret" not in html
    assert "<abbr" not in html


def test_threads_render_the_same_as_one_thread():
    texts = [f"# Note {i}\n\n$x_{i}$ and [link](https://example.org/{i})" for i in range(40)]
    expected = [render_markdown(t) for t in texts]
    results: dict[int, str] = {}

    def work(i: int) -> None:
        for _ in range(5):
            results[i] = render_markdown(texts[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[i] for i in range(len(texts))] == expected


def test_renderer_version_is_an_int():
    assert isinstance(RENDERER_VERSION, int)
    assert RENDERER_VERSION >= 1

"""Reading-list parsers, against the example lists in tests/papers/fixtures.

`blog-list.md` and `curriculum-list.md` are small lists of our own in the two formats
people actually keep (a Markdown blog list; a course's curriculum list), and the two
`.txt` files are lists that name papers without linking them. The counts and line
numbers below were taken by hand (and cross-checked with grep) from those files, not
from the parser's output.
"""

from collections import Counter
from pathlib import Path

import pytest

from papers.importers import (
    FORMATS,
    ImportFormatError,
    PaperRecord,
    ParseResult,
    PhaseRecord,
    PlacementRecord,
    detect_format,
    parse,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BLOG = "blog-list.md"
CURRICULUM = "curriculum-list.md"


def read_fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def by_title(result: ParseResult, title: str) -> PaperRecord:
    matches = [p for p in result.papers if p.title == title]
    assert len(matches) == 1, f"{title!r} found {len(matches)} times"
    return matches[0]


# --- format detection -------------------------------------------------------------


def test_example_list_formats_are_detected() -> None:
    assert detect_format(read_fixture(BLOG), BLOG) == "markdown"
    assert detect_format(read_fixture(CURRICULUM), CURRICULUM) == "curriculum"


@pytest.mark.parametrize("name", ["names-only.txt", "summaries-only.txt"])
def test_lists_without_links_are_not_an_import_format(name: str) -> None:
    # These two list papers by name or by summary only: nothing to identify them by.
    with pytest.raises(ImportFormatError, match=r"could not tell the format.*--format"):
        detect_format(read_fixture(name), name)
    with pytest.raises(ImportFormatError, match="no papers found"):
        parse(read_fixture(name), format="markdown", filename=name)


@pytest.mark.parametrize(
    ("text", "filename", "expected"),
    [
        ("@article{a, title={T}}", "refs.bib", "bibtex"),
        ("% exported\n\n@InProceedings{a,\n title={T}}\n", "", "bibtex"),
        ("anything at all", "library.BIB", "bibtex"),
        ('**Citation:** Ho, J. (2020). "T." *V*.', "list.md", "curriculum"),
        ("# List\n\n## Must Read\n\n### T\n", "", "curriculum"),
        ("# mine\n1706.03762\n\nhttps://arxiv.org/pdf/2312.00752v1\n", "ids.txt", "arxiv"),
        ("- [T](https://example.org) (2020)\n", "list.md", "markdown"),
        ("* [T](https://example.org)\n", "", "markdown"),
        ("1. [T](https://example.org)\n", "list.markdown", "markdown"),
        ('[{"title": "T"}]', "", "json"),
        ('{"papers": []}', "canon.json", "json"),
    ],
)
def test_detect_format(text: str, filename: str, expected: str) -> None:
    assert detect_format(text, filename) == expected


@pytest.mark.parametrize(
    ("text", "filename"),
    [
        ("Just some prose about papers.", "notes.txt"),
        ("- [T](https://example.org)\n", "list.csv"),  # a link list, but not a text file
        ("1706.03762\nnot an id\n", "ids.txt"),
    ],
)
def test_detect_format_refuses_to_guess(text: str, filename: str) -> None:
    with pytest.raises(ImportFormatError, match="pass --format"):
        detect_format(text, filename)


def test_formats_are_the_parseable_ones() -> None:
    assert FORMATS == ("markdown", "curriculum", "bibtex", "arxiv", "ris", "csljson", "json")


# --- the Markdown blog list -------------------------------------------------------


@pytest.fixture(scope="module")
def blog() -> ParseResult:
    return parse(read_fixture(BLOG), filename=BLOG)


def test_blog_counts(blog: ParseResult) -> None:
    assert blog.format == "markdown"
    # 29 linked list items; Scaling Laws is listed twice (unread, then read), so 28.
    assert len(blog.papers) == 28
    assert Counter(p.read_state for p in blog.papers) == {"done": 18, "queued": 9, "": 1}
    assert sum(1 for p in blog.papers if p.arxiv_id) == 18
    assert sum(1 for p in blog.papers if p.year is None) == 5
    assert Counter(p.kind for p in blog.papers) == {"paper": 25, "post": 2, "book": 1}
    assert blog.phases == []
    assert all(p.tier == "" and p.placements == [] for p in blog.papers)


def test_blog_topics_in_order_with_their_item_counts(blog: ParseResult) -> None:
    expected = {
        "Fundamentals": 2,
        "Seminal Architectures": 4,
        "Language Modeling": 4,
        "Image Generation": 3,
        "Training Theory and Improvements": 4,
        "How do I train my model?": 5,
        "Specific Models": 3,
        "Other resources": 4,
    }
    assert blog.topics == list(expected)  # the front matter's "# layout" is not one
    # Items listed under each heading; the paper listed twice counts under both.
    assert Counter(topic for p in blog.papers for topic in p.topics) == expected
    assert [p.title for p in blog.papers if len(p.topics) != 1] == [
        "Scaling Laws for Neural Language Models"
    ]


def test_blog_paper_listed_under_two_topics_is_one_record(blog: ParseResult) -> None:
    scaling = by_title(blog, "Scaling Laws for Neural Language Models")
    assert scaling.topics == ["Language Modeling", "Training Theory and Improvements"]
    # The first mention (line 51, *TO READ*, an abs link) is the record; the second
    # (a versioned pdf link, read) marks it read and gives it its blurb.
    assert (scaling.line, scaling.url, scaling.arxiv_id, scaling.year) == (
        51,
        "https://arxiv.org/abs/2001.08361",
        "2001.08361",
        2020,
    )
    assert scaling.read_state == "done"
    assert scaling.blurb.startswith("Loss falls as a smooth power law")
    assert scaling.blurb.endswith("came back to it here.")


def test_blog_records(blog: ParseResult) -> None:
    attention = by_title(blog, "Attention Is All You Need")
    assert (attention.year, attention.arxiv_id, attention.read_state) == (
        2017,
        "1706.03762",
        "done",
    )
    assert attention.url == "https://arxiv.org/abs/1706.03762"
    assert attention.line == 32
    assert attention.topics == ["Seminal Architectures"]
    assert attention.blurb.startswith("The Transformer paper. It drops recurrence")
    assert attention.key == "arxiv:1706.03762"

    # A pdf link; an export.arxiv.org link.
    assert by_title(blog, "Auto-Encoding Variational Bayes").arxiv_id == "1312.6114"
    assert by_title(blog, "How much do language models memorize?").arxiv_id == "2505.24832"

    mamba = by_title(blog, "Mamba: Linear-Time Sequence Modeling with Selective State Spaces")
    assert (mamba.year, mamba.arxiv_id, mamba.read_state, mamba.blurb) == (
        2023,
        "2312.00752",
        "queued",
        "",
    )


def test_blog_tolerates_the_lists_slips(blog: ParseResult) -> None:
    # A space inside the link's parentheses.
    cot = by_title(blog, "Chain-of-Thought Prompting Elicits Reasoning in Large Language Models")
    assert (cot.url, cot.arxiv_id, cot.year) == (
        "https://arxiv.org/abs/2201.11903",
        "2201.11903",
        2022,
    )
    # No space before the year.
    diffuseq = by_title(
        blog, "DiffuSeq: Sequence to Sequence Text Generation with Diffusion Models"
    )
    assert (diffuseq.year, diffuseq.read_state) == (2023, "queued")
    # No year at all.
    layer_norm = by_title(blog, "Layer Normalization")
    assert (layer_norm.year, layer_norm.arxiv_id, layer_norm.read_state) == (
        None,
        "1607.06450",
        "done",
    )
    assert layer_norm.key == "arxiv:1607.06450"
    # No rule between the last item of a topic and the next heading.
    lora = by_title(blog, "LoRA: Low-Rank Adaptation of Large Language Models")
    assert (lora.topics, lora.read_state, lora.blurb) == (
        ["How do I train my model?"],
        "queued",
        "",
    )


def test_blog_non_arxiv_links(blog: ParseResult) -> None:
    book = by_title(blog, "Reinforcement Learning: An Introduction")
    assert (book.kind, book.year, book.arxiv_id) == ("book", 2019, "")
    go = by_title(blog, "Mastering the game of Go without human knowledge")
    assert (go.kind, go.url, go.arxiv_id, go.doi) == (
        "paper",
        "https://www.nature.com/articles/nature24270",
        "",
        "",
    )
    assert go.key == "title:mastering the game of go without human knowledge|2017"
    bitter = by_title(blog, "The Bitter Lesson")
    assert (bitter.year, bitter.read_state, bitter.url) == (
        2019,
        "done",
        "http://www.incompleteideas.net/IncIdeas/BitterLesson.html",
    )
    dalle = by_title(blog, "Hierarchical Text-Conditional Image Generation with CLIP Latents")
    assert (dalle.kind, dalle.arxiv_id, dalle.url, dalle.read_state) == (
        "paper",
        "",
        "https://cdn.openai.com/papers/dall-e-2.pdf",
        "queued",
    )


def test_blog_blurb_is_the_markdown_as_written(blog: ParseResult) -> None:
    grokking = by_title(
        blog, "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"
    )
    # The blurb's own link stays in it and does not become an item.
    assert "[Neel Nanda's mechanistic write-up](https://www.alignmentforum.org/" in grokking.blurb
    assert "$113^2$" in grokking.blurb
    assert "\n" not in grokking.blurb  # one paragraph
    assert not any("alignmentforum" in p.url for p in blog.papers)
    # Two paragraphs stay two paragraphs.
    adam = by_title(blog, "Adam: A Method for Stochastic Optimization")
    first, second = adam.blurb.split("\n\n")
    assert first.startswith("Momentum plus a per-parameter step size")
    assert first.endswith("Still the optimizer I reach for first.")
    assert second == "My own VAE did not train at all until I swapped plain SGD for this."


def test_blog_group_of_adjacent_items_shares_the_paragraph_after_it(blog: ParseResult) -> None:
    first = by_title(blog, "Deep Differentiable Logic Gate Networks")
    second = by_title(blog, "Convolutional Differentiable Logic Gate Networks")
    assert (first.line, second.line) == (119, 120)
    assert first.blurb == second.blurb
    assert first.blurb.startswith("Both papers learn, for every node, which Boolean gate")
    assert (first.arxiv_id, second.arxiv_id) == ("2210.08277", "2411.04732")
    # The item before the group, after a blank line, keeps its own paragraph.
    go = by_title(blog, "Mastering the game of Go without human knowledge")
    assert go.blurb.startswith("AlphaGo Zero learns Go")
    assert "Boolean" not in go.blurb


def test_blog_other_resources_section(blog: ParseResult) -> None:
    resources = [p for p in blog.papers if p.topics == ["Other resources"]]
    assert [(p.title, p.kind, p.year, p.read_state) for p in resources] == [
        ("Epoch AI", "post", None, ""),  # *TO WRITE*: no blurb yet, and no read mark
        ("Transformer Math 101", "post", None, "done"),
        ("Spinning Up on Deep RL", "paper", None, "done"),
        ("On the Biology of a Large Language Model", "paper", None, "queued"),
    ]
    assert resources[0].blurb == ""
    assert resources[-1].blurb == ""  # its only paragraph is the *TO READ* marker
    assert resources[1].blurb.startswith("Back-of-the-envelope formulas")


def test_blog_category_descriptions_are_not_blurbs(blog: ParseResult) -> None:
    assert not any("pencil in hand" in p.blurb for p in blog.papers)
    assert not any("favourite corner" in p.blurb for p in blog.papers)
    assert not any("Papers and other resources" in p.blurb for p in blog.papers)  # intro


# --- the curriculum list ----------------------------------------------------------


@pytest.fixture(scope="module")
def curriculum() -> ParseResult:
    return parse(read_fixture(CURRICULUM), filename=CURRICULUM)


def test_curriculum_counts(curriculum: ParseResult) -> None:
    assert curriculum.format == "curriculum"
    # 4 Must Read + 3 Recommended + 9 further-reading items = 16 mentions; Mamba is
    # named twice (Must Read and State Space Models), so 15 papers.
    assert len(curriculum.papers) == 15
    assert Counter(p.tier for p in curriculum.papers) == {
        "must": 4,
        "recommended": 3,
        "further": 8,
    }
    assert sum(len(p.placements) for p in curriculum.papers) == 8
    assert all(p.read_state == "" and p.blurb == "" for p in curriculum.papers)


def test_curriculum_topics_and_phases(curriculum: ParseResult) -> None:
    assert curriculum.topics == [
        "Transformers and Attention",
        "Scaling Laws and Training Dynamics",
        "Diffusion Models",
        "State Space Models",
    ]
    # The front matter's "phase: 0" is the page's own metadata, not a placement.
    assert curriculum.phases == [
        PhaseRecord(4, ""),  # only ever named through "Lesson 4.1 - …" and "Lesson 4.3 - …"
        PhaseRecord(5, "Language Model Training"),
        PhaseRecord(9, "Parameter-Efficient Fine-Tuning"),
        PhaseRecord(10, "Quantization and Optimization"),
        PhaseRecord(12, "Emerging Architectures"),
    ]


def test_curriculum_must_read_block(curriculum: ParseResult) -> None:
    attention = by_title(curriculum, "Attention Is All You Need")
    assert attention.authors == [
        "Vaswani, A.",
        "Shazeer, N.",
        "Parmar, N.",
        "Uszkoreit, J.",
        "Jones, L.",
        "Gomez, A. N.",
        "Kaiser, L.",
        "Polosukhin, I.",
    ]
    assert (attention.year, attention.tier, attention.line) == (2017, "must", 19)
    assert attention.venue == "Advances in Neural Information Processing Systems 30 (NeurIPS 2017)"
    assert attention.key_contribution.startswith("Proposed the Transformer, a sequence model")
    assert attention.why_it_matters.endswith("most of what you build in this course starts here.")
    assert attention.placements == [
        PlacementRecord(
            phase_number=4,
            phase_title="",
            tier="must",
            note="Write scaled dot-product attention, the multi-head wrapper "
            "and positional encodings yourself.",
        )
    ]


def test_curriculum_title_comes_from_the_citation_not_the_heading(curriculum: ParseResult) -> None:
    gpt3 = by_title(curriculum, "Language Models are Few-Shot Learners")
    assert gpt3.authors[0] == "Brown, T. B."
    assert len(gpt3.authors) == 7  # "et al." dropped
    assert gpt3.year == 2020
    dpo = by_title(
        curriculum, "Direct Preference Optimization: Your Language Model is Secretly a Reward Model"
    )
    assert dpo.authors[-2:] == ["Manning, C. D.", "Finn, C."]
    assert not any("(GPT-3)" in p.title or "(DPO)" in p.title for p in curriculum.papers)


def test_curriculum_arxiv_preprint_venue(curriculum: ParseResult) -> None:
    mamba = by_title(curriculum, "Mamba: Linear-Time Sequence Modeling with Selective State Spaces")
    assert (mamba.authors, mamba.year) == (["Gu, A.", "Dao, T."], 2023)
    assert (mamba.venue, mamba.arxiv_id) == ("arXiv", "2312.00752")
    # The further-reading mention folded into the Must Read one.
    assert (mamba.tier, mamba.line, mamba.topics) == ("must", 55, ["State Space Models"])
    assert mamba.note == ""
    assert [p.phase_number for p in mamba.placements] == [12]
    # A field wrapped over two lines is one value.
    assert mamba.why_it_matters == (
        "The strongest current alternative to attention for long sequences. "
        "Whether or not it wins, you should know how it works."
    )


def test_curriculum_connection_naming_two_phases(curriculum: ParseResult) -> None:
    qlora = by_title(curriculum, "QLoRA: Efficient Finetuning of Quantized LLMs")
    assert qlora.tier == "recommended"
    assert qlora.placements == [
        PlacementRecord(9, "Parameter-Efficient Fine-Tuning", "recommended", ""),
        PlacementRecord(10, "Quantization and Optimization", "recommended", ""),
    ]
    lora = by_title(curriculum, "LoRA: Low-Rank Adaptation of Large Language Models")
    assert lora.venue == "International Conference on Learning Representations (ICLR 2022)"
    assert lora.placements[0].note.startswith("Write the adapter layer by hand first")
    flash = by_title(
        curriculum,
        "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness",
    )
    assert flash.placements == [
        PlacementRecord(
            4,
            "",
            "recommended",
            "Swap your attention for a fused kernel and profile the difference.",
        )
    ]


def test_curriculum_further_reading(curriculum: ParseResult) -> None:
    bert = by_title(curriculum, "BERT: Pre-training of Deep Bidirectional Transformers")
    assert (bert.authors, bert.year, bert.tier, bert.venue) == (["Devlin"], 2019, "further", "")
    assert bert.topics == ["Transformers and Attention"]
    assert bert.note == "The encoder-only branch, pretrained by filling in masked words."
    assert bert.placements == []
    assert bert.line == 114

    guidance = by_title(curriculum, "Classifier-Free Diffusion Guidance")
    assert (guidance.authors, guidance.year) == (["Ho", "Salimans"], 2022)
    # The list's nickname in parentheses is not part of the title.
    chinchilla = by_title(curriculum, "Training Compute-Optimal Large Language Models")
    assert chinchilla.note.startswith("Most large models had too little data")
    assert by_title(curriculum, "Efficiently Modeling Long Sequences with Structured State Spaces")
    # A citation wrapped onto an indented second line.
    latent = by_title(curriculum, "High-Resolution Image Synthesis with Latent Diffusion Models")
    assert (latent.authors, latent.year, latent.line) == (["Rombach"], 2022, 125)
    assert latent.note == (
        "Diffusion in an autoencoder's latent space, the basis of Stable Diffusion."
    )


def test_curriculum_reading_advice_is_not_papers(curriculum: ParseResult) -> None:
    assert max(p.line for p in curriculum.papers) == 131  # the S4 item
    assert not any("Pass" in t or t == "Habits" for t in curriculum.topics)


# --- BibTeX -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def bibtex() -> ParseResult:
    return parse(read_fixture("papers.bib"), filename="papers.bib")


def test_bibtex_entries(bibtex: ParseResult) -> None:
    assert bibtex.format == "bibtex"
    assert [p.line for p in bibtex.papers] == [4, 16, 24, 38, 47, 57, 66, 75]
    assert bibtex.topics == [] and bibtex.phases == []


def test_bibtex_eprint_and_string_macro(bibtex: ParseResult) -> None:
    attention = by_title(bibtex, "Attention Is All You Need")
    assert attention.arxiv_id == "1706.03762"
    assert attention.venue == "Advances in Neural Information Processing Systems"
    assert attention.year == 2017
    assert attention.kind == "paper"
    assert len(attention.authors) == 8
    assert attention.authors[0] == "Vaswani, Ashish"
    assert attention.authors[6] == "Kaiser, Łukasz"  # LaTeX decoded


def test_bibtex_arxiv_preprint_journal(bibtex: ParseResult) -> None:
    lora = by_title(bibtex, "LoRA: Low-Rank Adaptation of Large Language Models")
    assert (lora.arxiv_id, lora.venue, lora.year) == ("2106.09685", "arXiv", 2021)
    assert lora.authors[-1] == "Chen, Weizhu"


def test_bibtex_doi_and_others(bibtex: ParseResult) -> None:
    go = by_title(bibtex, "Mastering the game of Go without human knowledge")
    assert (go.doi, go.arxiv_id, go.venue, go.year) == ("10.1038/nature24270", "", "Nature", 2017)
    assert len(go.authors) == 10  # "and others" dropped
    assert go.key == "doi:10.1038/nature24270"


def test_bibtex_kinds(bibtex: ParseResult) -> None:
    book = by_title(bibtex, "Reinforcement Learning: An Introduction")
    assert (book.kind, book.venue, book.authors) == (
        "book",
        "MIT Press",
        ["Sutton, Richard S.", "Barto, Andrew G."],
    )
    chapter = by_title(bibtex, "Efficient BackProp")
    assert (chapter.kind, chapter.venue, chapter.doi) == (
        "chapter",
        "Neural Networks: Tricks of the Trade",
        "10.1007/3-540-49430-8_2",
    )
    assert chapter.authors[1] == "Bottou, Léon"
    code = by_title(bibtex, "nanoGPT")
    assert (code.kind, code.url) == ("code", "https://github.com/karpathy/nanoGPT")


def test_bibtex_dblp_and_arxiv_exports(bibtex: ParseResult) -> None:
    adam = by_title(bibtex, "Adam: A Method for Stochastic Optimization")
    assert (adam.arxiv_id, adam.venue) == ("1412.6980", "arXiv")
    assert adam.authors == ["Diederik P. Kingma", "Jimmy Ba"]  # kept as written
    ddpm = by_title(bibtex, "Denoising Diffusion Probabilistic Models")
    assert (ddpm.arxiv_id, ddpm.venue, ddpm.kind) == ("2006.11239", "arXiv", "paper")
    assert ddpm.key == "arxiv:2006.11239"


def test_a_single_pasted_bibtex_entry() -> None:
    result = parse("@misc{x, title = {A {GPU} Story}, year = 2020}", format="bibtex")
    assert [(p.title, p.year, p.kind, p.line) for p in result.papers] == [
        ("A GPU Story", 2020, "paper", 1)
    ]


def test_bibtex_repeated_key_is_read_and_merged() -> None:
    text = (
        "@article{a, title={Layer Normalization}, year={2016}}\n"
        "@article{a, title={Layer normalization.}, eprint={1607.06450}}\n"
    )
    [paper] = parse(text, format="bibtex").papers
    assert (paper.title, paper.year, paper.arxiv_id) == ("Layer Normalization", 2016, "1607.06450")


# --- arXiv id lists ---------------------------------------------------------------


def test_arxiv_list() -> None:
    result = parse(read_fixture("arxiv-ids.txt"), filename="arxiv-ids.txt")
    assert result.format == "arxiv"
    # Seven ids, one of them twice.
    assert [(p.arxiv_id, p.line) for p in result.papers] == [
        ("1706.03762", 2),
        ("2106.09685", 3),
        ("2312.00752", 4),
        ("2006.11239", 6),
        ("hep-th/9901001", 7),
    ]
    first = result.papers[0]
    assert (first.title, first.url, first.kind) == (
        "arXiv:1706.03762",
        "https://arxiv.org/abs/1706.03762",
        "paper",
    )


# --- malformed input --------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "format", "line", "message"),
    [
        ("bad-markdown-unclosed-link.md", "markdown", 11, "starts a link that is not closed"),
        ("bad-markdown-mark-without-link.md", "markdown", 4, r"expected a \[Title\]\(link\)"),
        ("bad-curriculum-no-citation.md", "curriculum", 13, r'"Adam" has no \*\*Citation:\*\*'),
        ("bad-curriculum-bad-citation.md", "curriculum", 3, 'cannot read the citation of "LoRA"'),
        ("bad-curriculum-bad-further-item.md", "curriculum", 12, "further-reading citation"),
        ("bad-bibtex-unclosed.bib", "bibtex", 8, "could not be read"),
        ("bad-bibtex-no-title.bib", "bibtex", 7, "'untitled' has no title"),
        ("bad-bibtex-missing-comma.bib", "bibtex", 2, "comma is missing after the 'title'"),
        ("bad-arxiv-line.txt", "arxiv", 5, "not an arXiv id or link: 'Attention Is All"),
    ],
)
def test_malformed_input_names_the_line(fixture: str, format: str, line: int, message: str) -> None:
    text = read_fixture(fixture)
    for given in (format, "auto"):
        if given == "auto" and format == "arxiv":
            continue  # a list with a stray title no longer looks like an id list
        with pytest.raises(ImportFormatError, match=message) as raised:
            parse(text, format=given, filename=fixture)
        assert raised.value.line == line
        assert str(raised.value).startswith(f"line {line}: ")


@pytest.mark.parametrize("text", ["", "   \n\n", "\ufeff\n"])
def test_empty_input_is_an_error(text: str) -> None:
    with pytest.raises(ImportFormatError, match="empty"):
        parse(text, format="markdown")


@pytest.mark.parametrize(
    ("text", "format"),
    [
        ("# A heading\n\nSome prose and an inline [link](https://example.org).\n", "markdown"),
        ("## Must Read\n\nNothing here yet.\n", "curriculum"),
        ("% only a comment\n", "bibtex"),
        ("# only comments\n", "arxiv"),
    ],
)
def test_a_file_without_papers_is_an_error(text: str, format: str) -> None:
    with pytest.raises(ImportFormatError, match="no papers found") as raised:
        parse(text, format=format)
    assert raised.value.line is None


def test_unknown_format() -> None:
    with pytest.raises(ImportFormatError, match="unknown format 'csv'"):
        parse("a,b\n", format="csv")


def test_stray_nul_and_replacement_characters_do_not_crash() -> None:
    text = "## T\x00opic\n\n- [Ti\x00tle \ufffd](https://arxiv.org/abs/1706.03762)\x00 (2017)\n"
    [paper] = parse(text, format="markdown").papers
    assert (paper.title, paper.arxiv_id, paper.year, paper.topics) == (
        "Title \ufffd",
        "1706.03762",
        2017,
        ["Topic"],
    )
    assert parse("@misc{a, title={X\x00\ufffd}}", format="bibtex").papers[0].title == "X\ufffd"


def test_windows_line_endings_keep_line_numbers() -> None:
    text = "## A\r\n\r\n- [One](https://example.org/1)\r\n\r\n- [Two](https://example.org/2)\r\n"
    assert [p.line for p in parse(text).papers] == [3, 5]


# --- Markdown details not covered by the example list ---------------------------


def test_markdown_variants() -> None:
    text = "\n".join(
        [
            "# My list",  # level 1: the document's title, not a topic
            "- [x] [Checked box](https://github.com/org/repo) (2021)",
            "- [A long",
            "  wrapped title](https://arxiv.org/pdf/cs/0112017v1.pdf) ✅",
            "- [Doi link](https://doi.org/10.1038/nature24270) (2017) _TO READ_",
            "",
            "*TO READ*",
            "",
            "## Posts",
            "- [A post](https://blog.example.org/post) (2024)",
            "",
            "First paragraph.",
            "",
            "- not a link, just a thought",
            "",
            "```",
            "- [Inside a code block](https://example.org/ignored)",
            "```",
        ]
    )
    result = parse(text, format="markdown")
    assert [(p.title, p.kind, p.read_state, p.topics) for p in result.papers] == [
        ("Checked box", "code", "done", []),
        ("A long wrapped title", "paper", "done", []),
        ("Doi link", "paper", "queued", []),
        ("A post", "post", "", ["Posts"]),
    ]
    assert result.papers[1].arxiv_id == "cs/0112017"
    assert result.papers[2].doi == "10.1038/nature24270"
    assert result.papers[3].blurb == (
        "First paragraph.\n\n- not a link, just a thought\n\n"
        "```\n- [Inside a code block](https://example.org/ignored)\n```"
    )


def test_a_paper_listed_twice_in_one_file_is_one_record() -> None:
    text = (
        "## First\n- [Attention Is All You Need](https://arxiv.org/abs/1706.03762) *TO READ*\n\n"
        "## Second\n- ✔️ [Attention is all you need](https://arxiv.org/pdf/1706.03762v7) (2017)\n"
    )
    result = parse(text, format="markdown")
    [paper] = result.papers
    assert (paper.line, paper.year, paper.read_state) == (2, 2017, "done")
    assert paper.topics == ["First", "Second"]
    assert result.topics == ["First", "Second"]


def test_same_title_different_years_stay_apart() -> None:
    text = "- [Survey](https://example.org/a) (2020)\n- [Survey](https://example.org/b) (2023)\n"
    assert len(parse(text, format="markdown").papers) == 2


def test_import_format_error_without_a_line() -> None:
    error = ImportFormatError("no papers found")
    assert (str(error), error.line) == ("no papers found", None)
    assert str(ImportFormatError("bad", line=12)) == "line 12: bad"
    assert isinstance(error, ValueError)


# --- what our own Markdown exports add: status markers and labelled notes -------------


def test_markdown_status_markers_after_the_link() -> None:
    text = (
        "## T\n\n- [A](https://x.org/a) (2020) *PASS 1*\n\n- [B](https://x.org/b) *pass 3*\n\n"
        "- [C](https://x.org/c) (2021) _DROPPED_\n\n- ✔️ [D](https://x.org/d) *PASS 2*\n\n"
        "- [E](https://x.org/e) (2019) passed 2 reviews, dropped by many\n"
    )
    states = {p.title: p.read_state for p in parse(text, format="markdown").papers}
    assert states == {"A": "pass1", "B": "pass3", "C": "dropped", "D": "done", "E": ""}


def test_markdown_labelled_notes_under_an_item() -> None:
    text = (
        "## T\n\n- ✔️ [A](https://x.org/a) (2020)\n\n"
        "    My thoughts.\n\n"
        "    **Problem.** What it solves,\n    on two lines.\n\n    - [not an item](https://x.org)\n"
        "    ## not a topic\n\n"
        "    *TO READ*\n\n"
        "    \\**Approach.** a paragraph of the problem that looks like a label\n\n"
        "    **Key result.** It works.\n\n"
        "- [B](https://x.org/b)\n\nA blog blurb, unindented.\n\n**Problem.** also labelled\n"
    )
    a, b = parse(text, format="markdown").papers
    assert a.blurb == "My thoughts." and a.read_state == "done"
    assert a.notes == {
        "problem": "What it solves,\non two lines.\n\n- [not an item](https://x.org)\n"
        "## not a topic\n\n*TO READ*\n\n**Approach.** a paragraph of the problem that "
        "looks like a label",
        "key_result": "It works.",
    }
    assert (b.blurb, b.notes, b.read_state) == (
        "A blog blurb, unindented.",
        {"problem": "also labelled"},
        "",
    )


def test_markdown_notes_written_by_the_export_read_back_as_written() -> None:
    from papers.importers.markdown_list import note_sections

    notes = {
        "problem": "**Problem.** starts like a label\n\n**Approach.** so does this",
        "pass2": "trailing  \nspaces kept\n\n\n\nand blank lines",
        "implementation_url": "https://github.com/x/y",
    }
    thoughts = "\\**Problem.** already escaped once"
    lines = ["## T", "", "- [A](https://x.org/a)", "", *note_sections(thoughts, notes)]
    (record,) = parse("\n".join(lines), format="markdown").papers
    assert record.notes == notes and record.blurb == thoughts

"""Identity normalizers: every spelling of one identifier must meet, nothing else may."""

import pytest

from papers.identity import (
    arxiv_id_in_text,
    identity_key,
    normalize_arxiv_id,
    normalize_doi,
    normalize_title,
)


@pytest.mark.parametrize(
    "value",
    [
        "1706.03762",
        "1706.03762v5",
        "1706.03762V5",
        "arXiv:1706.03762",
        "arxiv:1706.03762v7",
        "arXiv: 1706.03762",
        "  1706.03762  ",
        "<1706.03762>",
        "https://arxiv.org/abs/1706.03762",
        "https://arxiv.org/abs/1706.03762v5",
        "http://arxiv.org/abs/1706.03762",
        "https://www.arxiv.org/abs/1706.03762",
        "https://export.arxiv.org/abs/1706.03762",
        "arxiv.org/abs/1706.03762",
        "https://arxiv.org/pdf/1706.03762",
        "https://arxiv.org/pdf/1706.03762v5",
        "https://arxiv.org/pdf/1706.03762.pdf",
        "https://arxiv.org/pdf/1706.03762v5.pdf",
        "https://arxiv.org/html/1706.03762v7",
        "https://arxiv.org/abs/1706.03762/",
        "https://arxiv.org/abs/1706.03762?context=cs",
        "https://arxiv.org/abs/1706.03762#section",
        "https://arxiv.org/abs/1706.03762 ",
        "10.48550/arXiv.1706.03762",
        "https://doi.org/10.48550/ARXIV.1706.03762",
    ],
)
def test_every_spelling_of_an_arxiv_id_normalizes_to_the_bare_id(value: str) -> None:
    assert normalize_arxiv_id(value) == "1706.03762"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2312.00752", "2312.00752"),
        ("https://arxiv.org/abs/2505.24832", "2505.24832"),  # five-digit sequence
        ("0704.0001", "0704.0001"),  # the first new-style id
        ("1412.6980", "1412.6980"),  # four digits before 2015
        ("hep-th/9901001", "hep-th/9901001"),
        ("hep-th/9901001v1", "hep-th/9901001"),
        ("arXiv:hep-th/9901001", "hep-th/9901001"),
        ("HEP-TH/9901001", "hep-th/9901001"),
        ("cs/0112017v1", "cs/0112017"),
        ("cond-mat/0102536v1", "cond-mat/0102536"),
        # The subject class is not part of the identity (arXiv prefers math/0309136).
        ("math.GT/0309136", "math/0309136"),
        ("https://arxiv.org/abs/math.GT/0309136v2", "math/0309136"),
        ("https://arxiv.org/pdf/cs/0112017v1.pdf", "cs/0112017"),
    ],
)
def test_new_and_old_style_ids(value: str, expected: str) -> None:
    assert normalize_arxiv_id(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "Attention Is All You Need",
        "GPT-4 Technical Report 2303.08774",  # an id inside a title is not the title's id
        "1706.0376",  # too few digits
        "1713.03762",  # no 13th month
        "3.14159",
        "https://example.org/abs/1706.03762",
        "https://arxiv.org/list/cs.LG/recent",
        "10.1038/nature24270",
        "1706.03762 and 2106.09685",
    ],
)
def test_things_that_are_not_arxiv_ids(value: str) -> None:
    assert normalize_arxiv_id(value) == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("arXiv preprint arXiv:2106.09685", "2106.09685"),
        ("arXiv preprint arXiv:2312.00752.", "2312.00752"),
        ("see https://arxiv.org/abs/1706.03762v2 for details", "1706.03762"),
        ("Published in NeurIPS 2017", ""),
        ("volume 1706.03762", ""),  # a bare number in prose is not trusted
    ],
)
def test_arxiv_ids_marked_inside_free_text(text: str, expected: str) -> None:
    assert arxiv_id_in_text(text) == expected


@pytest.mark.parametrize(
    "value",
    [
        "10.1038/nature24270",
        "10.1038/NATURE24270",
        "doi:10.1038/nature24270",
        "DOI: 10.1038/nature24270",
        "https://doi.org/10.1038/nature24270",
        "http://doi.org/10.1038/nature24270",
        "http://dx.doi.org/10.1038/nature24270",
        "https://www.doi.org/10.1038/nature24270",
        "doi.org/10.1038/nature24270",
        " 10.1038/nature24270. ",
        "https://doi.org/10.1038%2Fnature24270",
    ],
)
def test_every_spelling_of_a_doi_normalizes_to_lower_case(value: str) -> None:
    assert normalize_doi(value) == "10.1038/nature24270"


def test_doi_keeps_its_inner_punctuation() -> None:
    assert normalize_doi("10.1007/3-540-49430-8_2") == "10.1007/3-540-49430-8_2"
    assert normalize_doi("doi:10.1145/3292500.3330701") == "10.1145/3292500.3330701"


@pytest.mark.parametrize(
    "value",
    ["", "nature24270", "10.1038", "11.1038/nature24270", "https://example.org/10.1038/x"],
)
def test_things_that_are_not_dois(value: str) -> None:
    assert normalize_doi(value) == ""


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Attention Is All You Need", "attention is all you need"),
        ("Attention Is All You Need.", "  Attention  is all\tyou need "),
        (
            "BERT: Pre-training of Deep Bidirectional Transformers",
            "BERT Pretraining of Deep Bidirectional Transformers",
        ),
        ("Über Netze", "Uber netze"),
        ("Why do LLMs attend to the first token?", "Why do LLMs attend to the first token"),
        ("Safety & the Future", "Safety the Future"),
        ("Don\u2019t Stop Pretraining", "Don't stop pre-training"),  # curly apostrophe
        ("ﬁne-tuning", "finetuning"),  # NFKD unfolds the ligature
    ],
)
def test_titles_that_should_meet(a: str, b: str) -> None:
    assert normalize_title(a) == normalize_title(b)


def test_title_normalization_output() -> None:
    assert normalize_title("Train Short, Test Long: Attention with Linear Biases") == (
        "train short test long attention with linear biases"
    )
    assert normalize_title("") == ""


def test_different_titles_stay_different() -> None:
    assert normalize_title("Deep Residual Learning") != normalize_title("Deep Residual Networks")


def test_identity_key_prefers_arxiv_then_doi_then_title_and_year() -> None:
    assert (
        identity_key(arxiv_id="1706.03762v5", doi="10.1/x", title="T", year=2017)
        == "arxiv:1706.03762"
    )
    assert identity_key(arxiv_id="", doi="DOI:10.1038/Nature24270", title="T", year=2017) == (
        "doi:10.1038/nature24270"
    )
    assert identity_key(arxiv_id="", doi="", title="The Bitter Lesson.", year=2019) == (
        "title:the bitter lesson|2019"
    )
    assert identity_key(arxiv_id="", doi="", title="Layer Normalization", year=None) == (
        "title:layer normalization|"
    )


def test_identity_key_ignores_identifiers_that_do_not_parse() -> None:
    assert identity_key(arxiv_id="not an id", doi="nor this", title="A B", year=2020) == (
        "title:a b|2020"
    )

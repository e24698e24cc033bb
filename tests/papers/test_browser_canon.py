import pytest

from papers.models import Paper
from tests.support import FIXTURES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_organizer_imports_filters_and_opens_a_paper(page, staff, sign_in, screenshot) -> None:
    sign_in(page, "olga")
    page.goto("/papers/import/")
    # 15 papers: 4 Must Read, 3 Recommended, 8 further reading (see test_parsers.py).
    page.set_input_files("#id_file", str(FIXTURES / "curriculum-list.md"))
    page.get_by_role("button", name="Import").click()
    page.get_by_text("papers created: 15").wait_for()
    screenshot(page, "imported")
    assert Paper.objects.count() == 15

    page.get_by_role("link", name="See the canon").click()
    page.wait_for_url("**/papers/")
    assert page.locator(".results-count").inner_text().startswith("15 papers")
    page.select_option("#id_topic", label="Diffusion Models")
    page.locator(".results-count", has_text="3 papers").wait_for()
    assert "topic=diffusion-models" in page.url  # the filtered list has its own URL
    screenshot(page, "filtered-by-topic")

    page.fill("#id_q", "classifier")
    page.locator(".results-count", has_text="1 paper").wait_for()
    page.get_by_role("link", name="Classifier-Free Diffusion Guidance").click()
    page.get_by_role("heading", level=1, name="Classifier-Free Diffusion Guidance").wait_for()
    assert "Ho; Salimans · 2022" in page.locator("hgroup").inner_text()
    screenshot(page, "paper-page")

"""Browsing the canon: sorts, filters that combine and stay in the URL, and a search
that finds a paper by its id or link and forgives a typo."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clubs.models import Club, Membership
from notes.models import Reading, Status
from papers.models import Tier

URL = reverse("papers:canon")


def titles(client, **params) -> list[str]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return [paper.title for paper in response.context["page"]]


@pytest.fixture
def canon(make_paper):
    return {
        "attention": make_paper(
            "Attention Is All You Need",
            year=2017,
            arxiv_id="1706.03762",
            tier=Tier.MUST,
            topics=["Transformers"],
            phase=4,
        ),
        "resnet": make_paper(
            "Deep Residual Learning for Image Recognition",
            year=2015,
            doi="10.1109/cvpr.2016.90",
            tier=Tier.RECOMMENDED,
            topics=["Vision"],
        ),
        "book": make_paper(
            "Neural Networks and Deep Learning",
            year=None,
            kind="book",
            url="http://neuralnetworksanddeeplearning.com/",
            topics=["Foundations"],
        ),
        "gpt3": make_paper(
            "Language Models are Few-Shot Learners",
            year=2020,
            arxiv_id="2005.14165",
            tier=Tier.FURTHER,
            topics=["Transformers"],
            phase=5,
        ),
    }


def test_the_canon_sorts_by_title_year_tier_and_what_my_clubs_finished(
    alice, bob, alice_client, make_user, canon
) -> None:
    assert titles(alice_client) == sorted(p.title for p in canon.values())
    assert titles(alice_client, sort="-year")[:3] == [
        "Language Models are Few-Shot Learners",
        "Attention Is All You Need",
        "Deep Residual Learning for Image Recognition",
    ]
    assert titles(alice_client, sort="year")[-1] == "Neural Networks and Deep Learning"
    assert titles(alice_client, sort="tier") == [
        "Attention Is All You Need",
        "Deep Residual Learning for Image Recognition",
        "Language Models are Few-Shot Learners",
        "Neural Networks and Deep Learning",
    ]
    club = Club.objects.create(name="Lab", slug="lab")
    Membership.objects.create(club=club, user=alice)
    Membership.objects.create(club=club, user=bob)
    stranger = make_user("stranger")  # in no club of alice's: does not count
    for user in (alice, bob):
        Reading.objects.create(user=user, paper=canon["book"], status=Status.DONE)
    Reading.objects.create(user=bob, paper=canon["gpt3"], status=Status.DONE)
    Reading.objects.create(user=alice, paper=canon["resnet"], status=Status.PASS2)
    for _ in range(3):
        Reading.objects.create(
            user=make_user(f"far{_}"), paper=canon["attention"], status=Status.DONE
        )
    Reading.objects.create(user=stranger, paper=canon["resnet"], status=Status.DONE)
    assert titles(alice_client, sort="finished")[:2] == [
        "Neural Networks and Deep Learning",
        "Language Models are Few-Shot Learners",
    ]
    page = alice_client.get(URL, {"sort": "finished"}).content.decode()
    assert "Finished by 2 in your clubs" in page
    assert titles(alice_client, sort="nonsense") == titles(alice_client)  # ignored, no error


def test_filters_and_sort_combine_and_stay_in_the_pages_links(alice_client, make_paper) -> None:
    for n in range(30):
        make_paper(f"Vision paper {n:02d}", topics=["Vision"], year=1990 + n, kind="paper")
    make_paper("A vision book", topics=["Vision"], kind="book")
    found = titles(alice_client, topic="vision", kind="paper", sort="-year")
    assert found[0] == "Vision paper 29" and len(found) == 25
    page = alice_client.get(URL, {"topic": "vision", "kind": "paper", "sort": "-year"})
    body = page.content.decode()
    assert "?topic=vision&amp;kind=paper&amp;sort=-year&page=2" in body
    second = alice_client.get(URL, {"topic": "vision", "kind": "paper", "sort": "-year", "page": 2})
    assert [p.title for p in second.context["page"]] == [
        f"Vision paper {n:02d}" for n in (4, 3, 2, 1, 0)
    ]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1706.03762", "Attention Is All You Need"),
        ("https://arxiv.org/abs/1706.03762v5", "Attention Is All You Need"),
        ("arxiv.org/pdf/2005.14165.pdf", "Language Models are Few-Shot Learners"),
        ("10.1109/CVPR.2016.90", "Deep Residual Learning for Image Recognition"),
        ("https://doi.org/10.1109/cvpr.2016.90", "Deep Residual Learning for Image Recognition"),
        ("http://neuralnetworksanddeeplearning.com/", "Neural Networks and Deep Learning"),
        ("atten", "Attention Is All You Need"),  # a prefix, as the member types
    ],
)
def test_search_finds_a_paper_by_id_link_or_prefix(alice_client, canon, typed, expected) -> None:
    assert titles(alice_client, q=typed) == [expected]


def test_an_id_that_is_not_in_the_canon_finds_nothing(alice_client, canon) -> None:
    assert titles(alice_client, q="2401.00001") == []
    assert titles(alice_client, q="10.1000/nothing-here") == []


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="trigram similarity is PostgreSQL's (pg_trgm); SQLite matches prefixes",
)
def test_search_forgives_a_typo_on_postgresql(alice_client, canon) -> None:
    assert titles(alice_client, q="atention")[0] == "Attention Is All You Need"
    assert titles(alice_client, q="residul lerning")[0] == (
        "Deep Residual Learning for Image Recognition"
    )
    assert "Neural Networks and Deep Learning" not in titles(alice_client, q="atention")


def test_add_a_paper_is_offered_to_curators_only(alice_client, staff_client, canon) -> None:
    assert 'href="/papers/add/"' not in alice_client.get(URL).content.decode()
    assert f'href="{reverse("papers:add")}"' in staff_client.get(URL).content.decode()


def test_sorting_by_club_finishers_keeps_the_query_count(
    alice, alice_client, make_paper, make_user
) -> None:
    club = Club.objects.create(name="Lab", slug="lab")
    Membership.objects.create(club=club, user=alice)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert alice_client.get(URL, {"sort": "finished"}).status_code == 200
        return len(queries)

    make_paper(topics=["T"])
    small = count()
    for n in range(60):
        paper = make_paper(topics=["T"], phase=n % 3)
        member = make_user(f"m{n}")
        Membership.objects.create(club=club, user=member)
        Reading.objects.create(user=member, paper=paper, status=Status.DONE)
    assert count() == small

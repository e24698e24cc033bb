"""Curating topics: merging two, aliases that catch later imports, the bundled set."""

import io
import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.urls import reverse

from papers.importers import ImportFormatError, parse
from papers.models import Paper, Topic, TopicAlias
from papers.services import import_reading_list, merge_topics

pytestmark = pytest.mark.django_db

LIST = """## {topic}

- [Attention Is All You Need](https://arxiv.org/abs/1706.03762) (2017)
- [Deep Residual Learning for Image Recognition](https://arxiv.org/abs/1512.03385) (2015)
"""


def import_markdown(topic: str) -> None:
    import_reading_list(parse(LIST.format(topic=topic), format="markdown"))


def names(paper: Paper) -> list[str]:
    return sorted(paper.topics.values_list("name", flat=True))


def test_merging_moves_papers_and_keeps_the_old_name_as_an_alias(make_paper) -> None:
    both = make_paper("On both", topics=["Transformers & Language Models", "Transformers"])
    old_only = make_paper("Old only", topics=["Transformers & Language Models"])
    old, into = (
        Topic.objects.get(name__startswith="Transformers &"),
        Topic.objects.get(name="Transformers"),
    )
    TopicAlias.objects.create(topic=old, name="Attention models")
    merge_topics(old, into)
    assert not Topic.objects.filter(pk=old.pk).exists()
    assert names(both) == ["Transformers"] and names(old_only) == ["Transformers"]
    assert sorted(into.aliases.values_list("name", flat=True)) == [
        "Attention models",
        "Transformers & Language Models",
    ]
    with pytest.raises(ValueError, match="into itself"):
        merge_topics(into, into)
    # A list that still uses either old name lands in the merged topic, whatever the case.
    import_markdown("transformers & language models")
    import_markdown("Attention Models")
    assert Topic.objects.count() == 1
    assert names(Paper.objects.get(title="Attention Is All You Need")) == ["Transformers"]


def test_the_admin_merges_the_topics_an_organizer_picks(staff_client, make_paper) -> None:
    make_paper("A", topics=["Safety & the Future"])
    make_paper("B", topics=["Alignment and Safety"])
    make_paper("C", topics=["Vision"])
    keep = Topic.objects.get(name="Alignment and Safety")
    picked = list(
        Topic.objects.filter(name__in=["Safety & the Future", "Alignment and Safety"]).values_list(
            "pk", flat=True
        )
    )
    url = reverse("admin:papers_topic_changelist")
    choose = staff_client.post(url, {"action": "merge", ACTION_CHECKBOX_NAME: picked})
    assert choose.status_code == 200 and b"Merge into" in choose.content
    assert Topic.objects.count() == 3  # nothing changes until the target is chosen
    done = staff_client.post(
        url, {"action": "merge", ACTION_CHECKBOX_NAME: picked, "into": keep.pk}, follow=True
    )
    assert b"Merged Safety &amp; the Future into Alignment and Safety" in done.content
    assert sorted(Topic.objects.values_list("name", flat=True)) == [
        "Alignment and Safety",
        "Vision",
    ]
    assert keep.papers.count() == 2
    # A forged target outside the selection is refused and changes nothing.
    vision = Topic.objects.get(name="Vision")
    forged = staff_client.post(
        url, {"action": "merge", ACTION_CHECKBOX_NAME: [keep.pk], "into": vision.pk}, follow=True
    )
    assert b"Choose two or more topics" in forged.content
    assert Topic.objects.count() == 2


def test_a_curator_without_delete_permission_cannot_merge(make_user, make_paper) -> None:
    from django.contrib.auth.models import Permission
    from django.test import Client

    user = make_user("viewer", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_topic", "change_topic"])
    )
    client = Client()
    client.force_login(user)
    make_paper("A", topics=["One"])
    make_paper("B", topics=["Two"])
    picked = list(Topic.objects.values_list("pk", flat=True))
    client.post(
        reverse("admin:papers_topic_changelist"),
        {"action": "merge", ACTION_CHECKBOX_NAME: picked, "into": picked[0]},
    )
    assert Topic.objects.count() == 2


def test_a_lists_merged_topics_fold_an_older_canon_into_the_new_names(make_paper) -> None:
    make_paper("Old paper", topics=["Transformers and Attention"])
    canon = {
        "version": 2,
        "topic_aliases": {"Transformers and Attention": "Transformers and attention models"},
        "papers": [{"title": "New paper", "topics": ["Transformers and attention models"]}],
    }
    import_reading_list(parse(json.dumps(canon), format="json"))
    topic = Topic.objects.get()
    assert topic.name == "Transformers and attention models"
    assert sorted(topic.papers.values_list("title", flat=True)) == ["New paper", "Old paper"]
    before = list(TopicAlias.objects.values_list("name", "topic__name"))
    import_reading_list(parse(json.dumps(canon), format="json"))
    assert list(TopicAlias.objects.values_list("name", "topic__name")) == before
    with pytest.raises(ImportFormatError, match="topic_aliases"):
        parse(json.dumps({**canon, "topic_aliases": ["not", "a", "map"]}), format="json")


def test_the_bundled_canon_has_a_clean_set_of_topics_and_full_summaries() -> None:
    call_command("load_canon", stdout=io.StringIO())
    topics = list(Topic.objects.values_list("name", flat=True))
    assert 8 <= len(topics) <= 16
    lowered = [name.casefold() for name in topics]
    assert len(set(lowered)) == len(lowered)
    assert not Topic.objects.filter(papers__isnull=True).exists()
    assert not Paper.objects.filter(tldr="").exists()
    assert not Paper.objects.filter(key_contribution="").exists()
    assert not Paper.objects.filter(why_it_matters="").exists()
    # The seed lists' own topic names are aliases now: importing them lands in the set.
    assert TopicAlias.objects.filter(name="Transformers & Language Models").exists()

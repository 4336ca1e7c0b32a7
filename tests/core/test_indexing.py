"""Reference-index updates deferred during a bulk load leave the index as a full rebuild would."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from wagtail.models import ReferenceIndex
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

from core.indexing import indexed_once
from quizzes.models import Question
from tests.factories import make_question

pytestmark = [pytest.mark.django_db, pytest.mark.indexed]


def index_rows() -> set[tuple]:
    return set(
        ReferenceIndex.objects.values_list(
            "content_type_id", "object_id", "to_content_type_id", "to_object_id", "content_path"
        )
    )


def search_rows(model) -> int:
    return IndexEntry.objects.filter(content_type__model=model._meta.model_name).count()


def test_the_loaded_curriculum_is_indexed_as_a_rebuild_indexes_it(curriculum):
    loaded = index_rows()
    assert loaded, "the load indexed the curriculum's references"
    call_command("rebuild_references_index", verbosity=0)
    assert index_rows() == loaded


def test_inside_the_block_nothing_is_indexed_until_it_ends(tree):
    before = search_rows(Question)
    with indexed_once():
        question = make_question()
        assert not ReferenceIndex.get_references_for_object(question).exists()
        assert search_rows(Question) == before
    assert ReferenceIndex.get_references_for_object(question).exists()
    assert search_rows(Question) == before + 1


def test_outside_the_block_every_save_is_indexed_as_usual(tree):
    question = make_question()  # the factory indexes once, at its end
    question.title = "Zygomatic quandary"
    question.save()
    found = get_search_backend().search("quandary", Question.objects.all())
    assert [q.pk for q in found] == [question.pk]


def test_a_failed_block_queues_nothing(tree):
    class Stop(Exception):
        pass

    with pytest.raises(Stop), indexed_once():
        question = make_question()
        raise Stop
    assert not ReferenceIndex.get_references_for_object(question).exists()


def test_an_object_deleted_inside_the_block_leaves_no_rows(tree):
    question = make_question()
    assert ReferenceIndex.get_references_for_object(question).exists()
    with indexed_once():
        made_and_gone = make_question()
        made_and_gone.delete()  # nothing is queued for it at the end
        Question.objects.filter(pk=question.pk).first().delete()
    assert (
        not ReferenceIndex.objects.filter(object_id=str(question.pk))
        .filter(content_type__model="question")
        .exists()
    )

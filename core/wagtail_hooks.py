"""Admin wiring for the curriculum snippets (Sources and Competencies)."""

from wagtail.admin.filters import WagtailFilterSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from core.models import Source
from courses.models import Competency


class SourceFilterSet(WagtailFilterSet):
    class Meta:
        model = Source
        fields = ["evidence_level"]


class SourceViewSet(SnippetViewSet):
    model = Source
    icon = "openquote"
    menu_label = "Sources"
    list_display = ["title", "authors", "year", "evidence_level", "key"]
    filterset_class = SourceFilterSet
    search_fields = ["title", "authors"]


class CompetencyFilterSet(WagtailFilterSet):
    class Meta:
        model = Competency
        fields = ["domain"]


class CompetencyViewSet(SnippetViewSet):
    model = Competency
    icon = "tick-inverse"
    menu_label = "Competencies"
    list_display = ["code", "title", "domain"]
    filterset_class = CompetencyFilterSet
    search_fields = ["code", "title"]


class CurriculumViewSetGroup(SnippetViewSetGroup):
    menu_label = "Curriculum"
    menu_icon = "folder-open-inverse"
    menu_order = 200
    items = (SourceViewSet, CompetencyViewSet)


register_snippet(CurriculumViewSetGroup)

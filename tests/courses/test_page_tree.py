"""What can be created where, and authoring a lesson through the admin form."""

from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from core.models import HomePage
from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from tests.conftest import build_tree
from tests.factories import CompetencyFactory, SourceFactory, UserFactory


class PageTreeRulesTests(WagtailPageTestCase):
    def test_each_level_accepts_only_the_next_level(self):
        self.assertAllowedSubpageTypes(HomePage, {CourseIndexPage})
        self.assertAllowedSubpageTypes(CourseIndexPage, {CoursePage})
        self.assertAllowedSubpageTypes(CoursePage, {ModulePage})
        self.assertAllowedSubpageTypes(LessonPage, set())

    def test_lessons_live_only_in_modules(self):
        self.assertAllowedParentPageTypes(LessonPage, {ModulePage})
        self.assertCanNotCreateAt(CoursePage, LessonPage)
        self.assertCanNotCreateAt(CourseIndexPage, LessonPage)

    def test_modules_live_only_in_courses(self):
        self.assertAllowedParentPageTypes(ModulePage, {CoursePage})
        self.assertCanNotCreateAt(HomePage, ModulePage)

    def test_one_catalogue_page_per_site(self):
        tree = build_tree(lessons=1)
        self.assertEqual(CourseIndexPage.max_count, 1)
        self.assertFalse(CourseIndexPage.can_create_at(tree.index.get_parent()))


class LessonAuthoringTests(WagtailPageTestCase):
    def setUp(self):
        self.tree = build_tree(lessons=0)
        self.source = SourceFactory(title="Case report")
        self.competency = CompetencyFactory(code="HFS-T1")
        self.client.force_login(UserFactory(username="author", is_superuser=True, is_staff=True))

    def lesson_form(self, **overrides):
        data = {
            "title": "Depth under 10 mm",
            "slug": "depth-under-10-mm",
            "summary": "Why depth stays shallow.",
            "estimated_minutes": 7,
            "body": streamfield(
                [
                    ("text", rich_text("<p>Stay within superficial muscle.</p>")),
                    (
                        "callout",
                        {
                            "style": "safety",
                            "title": "Depth",
                            "body": rich_text("<p>Under 10 mm.</p>"),
                        },
                    ),
                ]
            ),
            "citations": inline_formset(
                [{"source": self.source.pk, "passage": "treatment paragraph"}]
            ),
        }
        data.update(overrides)
        form = nested_form_data(data)
        form["competencies"] = [self.competency.pk]
        return form

    def test_admin_form_creates_a_lesson_with_a_streamfield_body(self):
        self.assertCanCreate(self.tree.module, LessonPage, self.lesson_form())
        lesson = LessonPage.objects.get(slug="depth-under-10-mm")
        self.assertEqual([block.block_type for block in lesson.body], ["text", "callout"])
        self.assertEqual(lesson.body[1].value["style"], "safety")
        self.assertEqual(
            list(lesson.citations.values_list("passage", flat=True)), ["treatment paragraph"]
        )

    def test_a_lesson_without_a_source_cannot_be_published(self):
        data = self.lesson_form(citations=inline_formset([]))
        data["action-publish"] = "action-publish"
        response = self.client.post(
            f"/admin/pages/add/courses/lessonpage/{self.tree.module.pk}/", data
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "The page could not be created due to validation errors")
        self.assertFalse(LessonPage.objects.filter(slug="depth-under-10-mm", live=True).exists())

"""Programme scopes for the blueprint report (quizzes.blueprint): what a certificate rests on.

The quizzes app cannot know programmes (they live in this higher layer), so this module
contributes one scope per programme through `register_blueprint_scopes` (see apps.ready): the
programme's required quizzes and the live quizzes of its required courses, against the
objectives of those courses' modules and of the required quizzes' modules.
"""

from __future__ import annotations

from certification.models import Programme
from courses.models import ModulePage
from quizzes.blueprint import Scope
from quizzes.models import QuizPage


def programme_scopes() -> list[Scope]:
    """One scope per programme. Five queries, whatever the number of programmes."""
    programmes = list(Programme.objects.prefetch_related("required_courses", "required_quizzes"))
    if not programmes:
        return []
    modules = list(ModulePage.objects.order_by("path").only("id", "path"))
    quizzes = list(QuizPage.objects.order_by("path").only("id", "path", "live"))
    module_at = {m.path: m.pk for m in modules}
    scopes = []
    for programme in programmes:
        course_paths = tuple(c.path for c in programme.required_courses.all())
        required = list(programme.required_quizzes.all())
        quiz_ids = {q.pk for q in required} | {
            q.pk for q in quizzes if q.live and q.path.startswith(course_paths)
        }
        module_ids = {m.pk for m in modules if course_paths and m.path.startswith(course_paths)}
        module_ids |= {
            module_at[q.path[: -QuizPage.steplen]]
            for q in required
            if q.path[: -QuizPage.steplen] in module_at
        }
        scopes.append(
            Scope(
                key=f"programme-{programme.pk}",
                label=programme.title,
                group="Programme",
                quiz_ids=tuple(sorted(quiz_ids)),
                module_ids=tuple(sorted(module_ids)),
            )
        )
    return scopes

"""Who may import and export question banks: the one place the admin views and menu ask.

Importing writes questions (as drafts in Clinical review), so it takes the question snippet's
"add" permission; exporting reads them, so it takes "view". Inactive or anonymous users may
do neither.
"""

from __future__ import annotations

from typing import Any

IMPORT_PERMISSION = "quizzes.add_question"
EXPORT_PERMISSION = "quizzes.view_question"


def _holds(user: Any, permission: str) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.has_perm(permission)
    )


def may_import_questions(user: Any) -> bool:
    """Whether `user` may import a GIFT or Moodle XML file into the question bank."""
    return _holds(user, IMPORT_PERMISSION)


def may_export_questions(user: Any) -> bool:
    """Whether `user` may export a category of the question bank as GIFT or Moodle XML."""
    return _holds(user, EXPORT_PERMISSION)

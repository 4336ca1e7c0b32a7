"""Answering a question in the browser the way a trainee would, correctly, from its snapshot."""

from __future__ import annotations

import re

from quizzes.models import Response


def answer_correctly(page, response: Response) -> None:
    snap = response.question_snapshot
    kind = snap["type"]
    scope = page.locator(f"#question-{response.position}")
    name = f"q{response.position}"
    if kind in ("single_choice", "true_false", "multiple_response"):
        for option in snap["options"]:
            if option["is_correct"]:
                scope.get_by_label(option["text"], exact=True).check()
    elif kind == "numeric":
        scope.locator(f"input[name={name}]").fill(snap["numeric"]["answer"])
    elif kind == "ordering":
        for place, option in enumerate(snap["options"], start=1):
            scope.get_by_label(option["text"], exact=True).select_option(str(place))
    elif kind == "matching":
        for option in snap["options"]:
            if option["text"].strip():
                # Each answer is offered with its letter from the list above: "B. Face".
                lettered = re.compile(rf"^[A-Z]\. {re.escape(option['match'])}$")
                select = scope.get_by_label(option["text"], exact=True)
                choice = select.locator("option").filter(has_text=lettered)
                select.select_option(choice.first.get_attribute("value"))
    elif kind == "short_answer":
        accepted = next(o["text"] for o in snap["options"] if o["text"].strip())
        scope.locator(f"input[name={name}]").fill(accepted.replace("*", " ").strip())
    elif kind == "essay":
        scope.locator(f"textarea[name={name}]").fill(
            "Upstream release first, then the facial nodules; depth under 10 mm."
        )

"""The staff a clinic manager ticked for a bulk action, kept in the session across pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from certification.clinics import staff_ids_among
from certification.models import Clinic

# The selection lives in the session, one list per clinic, until it is cleared or the session
# ends; it holds at most this many people (a clinic larger than that selects in batches).
SELECTION_LIMIT = 1000


def _selection_key(clinic: Clinic) -> str:
    return f"clinic-selection:{clinic.pk}"


def selected_ids(session: Any, clinic: Clinic) -> set[int]:
    """The ids ticked on the clinic's dashboard in this session (not checked against the staff)."""
    stored = session.get(_selection_key(clinic), [])
    return {n for n in stored if isinstance(n, int)} if isinstance(stored, list) else set()


def update_selection(
    session: Any,
    clinic: Clinic,
    *,
    shown: Iterable[int],
    ticked: Iterable[int],
    select: str = "",
) -> set[int]:
    """Record what was ticked on one page and return the whole selection.

    `shown` are the people listed on the page, `ticked` those ticked there: the others of the
    page are taken out of the selection, while people of other pages stay in it. `select` is
    "page" (everyone shown), "none" (clear everything) or "" (as ticked). Only the clinic's
    staff are kept, at most SELECTION_LIMIT of them.
    """
    shown_ids, ticked_ids = set(shown), set(ticked)
    if select == "none":
        selection: set[int] = set()
    else:
        chosen = shown_ids if select == "page" else ticked_ids & shown_ids
        selection = (selected_ids(session, clinic) - shown_ids) | chosen
        selection = staff_ids_among(clinic, selection) if selection else set()
    kept = sorted(selection)[:SELECTION_LIMIT]
    session[_selection_key(clinic)] = kept
    return set(kept)


def clear_selection(session: Any, clinic: Clinic) -> None:
    session.pop(_selection_key(clinic), None)

"""An uploaded question file between its preview and the confirmation that imports it.

The admin's import shows a preview (a dry run: nothing written) before anything is imported.
Between the two requests the file waits in the default storage under a random name, never in a
process's memory (any app server may answer the confirmation). The confirmation form carries
that name signed (django.core.signing) with the uploader's id and the import's options; the
signature expires after an hour and is refused for anyone else. `ImportQuestionsAction`
imports the held file once — a second confirmation finds it claimed or gone — logs the
import on its root category and deletes the file. `purge_stale_uploads` (a periodic job)
removes files whose preview was never confirmed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task
from wagtail.log_actions import log

from core.models import Source
from quizzes.interchange import categories, files
from quizzes.interchange.access import may_import_questions
from quizzes.interchange.importing import ImportSummary, import_file
from quizzes.models import QuestionCategory

SALT = "quizzes.interchange.upload"
MAX_AGE = 60 * 60  # seconds a preview may be confirmed in
FOLDER = "question-imports"
IMPORTED_FILE = "quizzes.question_bank.import"


class UploadRefused(Exception):
    """The held file cannot be imported (expired, someone else's, gone): nothing was written."""


@dataclass(frozen=True)
class HeldUpload:
    """An uploaded file waiting in storage for its import to be confirmed."""

    name: str  # in default_storage
    user_id: int
    format: str | None
    category: str
    source_id: int
    file_name: str

    def token(self) -> str:
        """The signed form of this upload, for the confirmation form."""
        return signing.dumps(
            {
                "n": self.name,
                "u": self.user_id,
                "f": self.format,
                "c": self.category,
                "s": self.source_id,
                "o": self.file_name,
            },
            salt=SALT,
            compress=True,
        )


def hold(
    data: bytes, *, user: Any, fmt: str | None, category: str, source: Source, file_name: str
) -> HeldUpload:
    """Store `data` under a random name for its preview and confirmation."""
    name = default_storage.save(f"{FOLDER}/{secrets.token_urlsafe(24)}.upload", ContentFile(data))
    return HeldUpload(name, user.pk, fmt, category, source.pk, file_name[:200])


def held_upload(token: str, user: Any) -> HeldUpload:
    """The upload a confirmation form names, when it is `user`'s and under an hour old."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise UploadRefused(
            "This preview is more than an hour old: upload the file again."
        ) from None
    except signing.BadSignature:
        raise UploadRefused("This confirmation is not valid: upload the file again.") from None
    try:
        held = HeldUpload(
            name=str(data["n"]),
            user_id=int(data["u"]),
            format=None if data["f"] is None else str(data["f"]),
            category=str(data["c"]),
            source_id=int(data["s"]),
            file_name=str(data["o"]),
        )
    except (KeyError, TypeError, ValueError):
        raise UploadRefused("This confirmation is not valid: upload the file again.") from None
    if held.user_id != getattr(user, "pk", None) or not held.name.startswith(f"{FOLDER}/"):
        raise UploadRefused("This preview was made by someone else: upload the file yourself.")
    return held


def discard(held: HeldUpload) -> None:
    """Delete the held file (after its import, or when its preview failed)."""
    default_storage.delete(held.name)


class ImportQuestionsAction:
    """Preview (a dry run) or import a held upload: check() then execute(), as Wagtail's
    actions do. check() raises PermissionDenied and writes nothing."""

    def __init__(self, held: HeldUpload, user: Any) -> None:
        self.held = held
        self.user = user

    def check(self) -> None:
        if not may_import_questions(self.user):
            raise PermissionDenied("You may not import questions.")

    def _run(self, *, dry_run: bool) -> ImportSummary:
        if not default_storage.exists(self.held.name):
            raise UploadRefused(
                "This file has been imported already, or its preview expired: upload it again."
            )
        with default_storage.open(self.held.name, "rb") as handle:
            data = handle.read()
        source = Source.objects.filter(pk=self.held.source_id).first()
        if source is None:
            raise UploadRefused("The Source chosen no longer exists: upload the file again.")
        return import_file(
            files.read(data, self.held.format),
            source=source,
            category=self.held.category,
            user=self.user,
            dry_run=dry_run,
            file_name=self.held.file_name,
        )

    def preview(self) -> ImportSummary:
        """What the import would do; writes nothing."""
        self.check()
        return self._run(dry_run=True)

    def execute(self) -> ImportSummary:
        """Import the held file once, log it, delete the file; raises UploadRefused (writing
        nothing) when it was imported or claimed already."""
        self.check()
        claim = f"{SALT}:{self.held.name}"
        if not cache.add(claim, self.user.pk, MAX_AGE):
            raise UploadRefused("This file is being imported already: see the question bank.")
        try:
            with transaction.atomic():
                summary = self._run(dry_run=False)
                self._log(summary)
        except BaseException:
            cache.delete(claim)
            raise
        transaction.on_commit(lambda: discard(self.held))
        return summary

    def _log(self, summary: ImportSummary) -> None:
        place = categories.place(self.held.category, [])
        root = (
            QuestionCategory.objects.filter(Q(key=place.key) | Q(name=place.name))
            .order_by("pk")
            .first()
        )
        if root is None:  # pragma: no cover - import_file makes the root category
            return
        log(
            instance=root,
            action=IMPORTED_FILE,
            user=self.user,
            data={
                "file": self.held.file_name,
                "format": summary.format,
                "created": summary.created,
                "updated": summary.updated,
                "skipped": len(summary.skipped),
            },
        )


def purge_stale_uploads(now: Any = None) -> int:
    """Delete held files older than a preview may be confirmed; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(seconds=MAX_AGE)
    try:
        _, names = default_storage.listdir(FOLDER)
    except (FileNotFoundError, NotImplementedError):
        return 0
    removed = 0
    for name in names:
        path = f"{FOLDER}/{name}"
        try:
            stale = default_storage.get_modified_time(path) < cutoff
        except (FileNotFoundError, NotImplementedError):
            continue
        if stale:
            default_storage.delete(path)
            removed += 1
    return removed


@task()
def purge_stale_uploads_task() -> int:
    """The periodic job: held question files whose preview was never confirmed go."""
    return purge_stale_uploads()

"""Backups restore every learner record (docs/operations.md).

Each test builds learner records (enrolments, lesson and module completions, attempts with their
responses, signed skill assessments, a certificate), takes a backup the documented way, restores
it into a fresh database and finds every record there: the same counts, by
docs/learner-records.sql, and the same learners, pages, answers and certificate codes.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from wagtail.models import PageLogEntry

from certification.models import Programme
from certification.services import issue_due_certificates
from core.roles import INSTRUCTORS, ensure_roles
from courses.services import complete_lesson, enrol
from quizzes import services as quiz_services
from tests.certification.conftest import assess, make_checklist
from tests.conftest import build_tree
from tests.factories import UserFactory, make_question, make_quiz, take_quiz
from tests.quizzes.conftest import form_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(settings.BASE_DIR)
COUNTS_SQL = (ROOT / "docs" / "learner-records.sql").read_text()
# What docs/operations.md leaves out of a `dumpdata` export, and why, is explained there.
DUMPDATA_EXCLUDES = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "wagtailsearch",
    "wagtailcore.pagelogentry",
    "django_rq",
]

requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_dump/pg_restore back up PostgreSQL; run with DATABASE_URL=postgres://...",
)

# Who did what, as rows that do not depend on ids (which a restore keeps, but this checks it).
IDENTITY_QUERIES = {
    "completions": """
        SELECT u.username, p.url_path FROM courses_lessoncompletion c
        JOIN accounts_user u ON u.id = c.user_id JOIN wagtailcore_page p ON p.id = c.lesson_id
    """,
    "modules": """
        SELECT u.username, p.url_path FROM courses_modulecompletion c
        JOIN accounts_user u ON u.id = c.user_id JOIN wagtailcore_page p ON p.id = c.module_id
    """,
    "enrolments": """
        SELECT u.username, p.url_path, e.completed_at IS NOT NULL FROM courses_enrollment e
        JOIN accounts_user u ON u.id = e.user_id JOIN wagtailcore_page p ON p.id = e.course_id
    """,
    "attempts": """
        SELECT u.username, p.url_path, a.number, a.state, a.score, a.passed FROM quizzes_attempt a
        JOIN accounts_user u ON u.id = a.user_id JOIN wagtailcore_page p ON p.id = a.quiz_id
    """,
    "answers": """
        SELECT u.username, a.number, r.position, r.answer, r.score FROM quizzes_response r
        JOIN quizzes_attempt a ON a.id = r.attempt_id JOIN accounts_user u ON u.id = a.user_id
    """,
    "assessments": """
        SELECT t.username, s.username, x.status, x.passed, x.global_rating
        FROM certification_skillassessment x
        JOIN accounts_user t ON t.id = x.trainee_id JOIN accounts_user s ON s.id = x.assessor_id
    """,
    # Page history: revisions point at their page by id in a text column, which only a
    # restore that keeps page ids gets right.
    "page revisions": """
        SELECT p.url_path, r.id FROM wagtailcore_revision r
        JOIN wagtailcore_page p ON r.object_id = CAST(p.id AS TEXT)
        JOIN django_content_type t ON t.id = r.base_content_type_id
        WHERE t.app_label = 'wagtailcore' AND t.model = 'page'
    """,
    "certificates": """
        SELECT u.username, c.code, c.cycle, c.holder_name FROM certification_certificate c
        JOIN accounts_user u ON u.id = c.user_id
    """,
}


def build_learner_records() -> dict[str, Any]:
    """Three learners at different stages; returns what a restore must bring back."""
    tree = build_tree(lessons=2)
    ensure_roles(tree.index)
    assessor = UserFactory(username="assessor", groups=[INSTRUCTORS])
    quiz = make_quiz(tree.module, [make_question(), make_question("numeric")])
    programme = Programme.objects.create(key="prog", title="Practitioner", validity_months=24)
    programme.required_courses = [tree.course]
    programme.required_quizzes = [quiz]
    programme.required_checklists = [make_checklist("needle", safety=True)]
    programme.save()

    certified = UserFactory(username="certified", first_name="Ada", last_name="Lovelace")
    enrol(certified, tree.course)
    for lesson in tree.lessons:
        complete_lesson(certified, lesson)
    take_quiz(certified, quiz, right=True)
    assess(certified, assessor, programme.required_checklists.get())
    issue_due_certificates(certified)

    failed = UserFactory(username="failed")
    enrol(failed, tree.course)
    complete_lesson(failed, tree.lessons[0])
    take_quiz(failed, quiz, right=False)

    working = UserFactory(username="working")
    enrol(working, tree.course)
    attempt = quiz_services.start_attempt(working, quiz)
    quiz_services.save_answers(attempt.pk, working, querydict(form_for(attempt)))
    return {"certificate": certified.certificates.get().code}


def querydict(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def rows(cursor, sql: str) -> list[tuple]:
    cursor.execute(sql)
    return sorted(tuple(str(v) for v in row) for row in cursor.fetchall())


def records(cursor) -> dict[str, list[tuple]]:
    """The counts of docs/learner-records.sql and the identity rows, from any DB-API cursor."""
    found = {"counts": rows(cursor, COUNTS_SQL)}
    for name, sql in IDENTITY_QUERIES.items():
        found[name] = rows(cursor, sql)
    return found


def assert_every_record_restored(source: dict[str, list[tuple]], restored: dict) -> None:
    counts = {name: int(total) for name, total in source["counts"]}
    for kind in (
        "enrolments",
        "enrolments completed",
        "lesson completions",
        "module completions",
        "quiz attempts",
        "quiz responses",
        "skill assessments signed",
        "assessment items",
        "certificates",
    ):
        assert counts[kind] > 0, f"the test built no {kind}"
    assert restored == source


def run(*command: str, env: dict[str, str]) -> None:
    """Run one command of the documented procedure; if it fails, the test shows its errors."""
    executable = shutil.which(command[0]) or command[0]
    done = subprocess.run(  # noqa: S603 (the arguments are the test's own)
        [executable, *command[1:]], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stderr[-3000:]}"


# PostgreSQL -------------------------------------------------------------------------------


def pg_env() -> dict[str, str]:
    env = dict(os.environ)
    db = connection.settings_dict
    env.update(
        {
            "PGHOST": str(db.get("HOST") or "127.0.0.1"),
            "PGPORT": str(db.get("PORT") or 5432),
            "PGUSER": str(db.get("USER") or "postgres"),
        }
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def pg_connect(dbname: str):
    import psycopg

    env = pg_env()
    return psycopg.connect(
        host=env["PGHOST"],
        port=env["PGPORT"],
        user=env["PGUSER"],
        password=env.get("PGPASSWORD"),
        dbname=dbname,
        autocommit=True,
    )


def pg_records(dbname: str) -> dict[str, list[tuple]]:
    with pg_connect(dbname) as conn, conn.cursor() as cursor:
        return records(cursor)


@pytest.fixture
def scratch_pg_database() -> Iterator[str]:
    """An empty database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"
    with pg_connect("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with pg_connect("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@requires_postgres
def test_pg_dump_and_pg_restore_bring_back_every_learner_record(tmp_path, scratch_pg_database):
    expected = build_learner_records()
    source_name = connection.settings_dict["NAME"]
    source = current_records()
    backup = tmp_path / "hfs.dump"
    env = pg_env()

    # The commands of docs/operations.md, "Backing up the database" and "Restoring".
    run("pg_dump", "--format=custom", f"--file={backup}", f"--dbname={source_name}", env=env)
    run("pg_restore", "--list", str(backup), env=env)
    run(
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        f"--dbname={scratch_pg_database}",
        str(backup),
        env=env,
    )

    restored = pg_records(scratch_pg_database)
    assert_every_record_restored(source, restored)
    assert any(expected["certificate"] in row for row in restored["certificates"])


# dumpdata / loaddata (both engines) -------------------------------------------------------


def manage(database_url: str, *args: str) -> None:
    run(sys.executable, "manage.py", *args, env={**os.environ, "DATABASE_URL": database_url})


def empty_copy_of_schema(tmp_path: Path) -> tuple[str, Any]:
    """A database with this project's migrated schema and no data in it yet (a flush follows).

    Copied from the test database, which `migrate` built: the same as migrating a new one, faster.
    Returns its DATABASE_URL and a function reading its records.
    """
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        name = f"{db['NAME']}_import"
        connection.close()  # a template database must have no other sessions
        with pg_connect("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{db["NAME"]}"')
        env = pg_env()
        password = f":{env['PGPASSWORD']}" if env.get("PGPASSWORD") else ""
        url = f"postgres://{env['PGUSER']}{password}@{env['PGHOST']}:{env['PGPORT']}/{name}"
        return url, lambda: pg_records(name)
    target = tmp_path / "import.sqlite3"
    with sqlite3.connect(db["NAME"]) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return f"sqlite:///{target}", lambda: sqlite_records(target)


def sqlite_records(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        return records(conn.cursor())


def current_records() -> dict[str, list[tuple]]:
    """The test database's records, read by the same plain driver as the restored copy's."""
    name = connection.settings_dict["NAME"]
    return pg_records(name) if connection.vendor == "postgresql" else sqlite_records(name)


@pytest.fixture
def drop_import_database() -> Iterator[None]:
    yield
    if connection.vendor == "postgresql":
        with pg_connect("postgres") as conn:
            name = f"{connection.settings_dict['NAME']}_import"
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_dumpdata_export_loads_into_an_empty_database_with_every_learner_record(
    tmp_path, drop_import_database
):
    build_learner_records()
    # As on every real site, a page was deleted (Wagtail's placeholder home page) and Wagtail
    # keeps its history: a natural-key export of that history cannot be written.
    assert PageLogEntry.objects.filter(action="wagtail.delete").exists()
    source = current_records()
    export = tmp_path / "hfs.json"

    # The commands of docs/operations.md, "Moving between databases".
    call_command(
        "dumpdata",
        natural_foreign=True,
        exclude=DUMPDATA_EXCLUDES,
        output=str(export),
        verbosity=0,
    )
    url, read_target = empty_copy_of_schema(tmp_path)
    manage(url, "flush", "--no-input")
    manage(url, "loaddata", str(export))

    assert_every_record_restored(source, read_target())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite file backup of development")
def test_sqlite_backup_copy_keeps_every_learner_record(tmp_path):
    build_learner_records()
    source = current_records()
    backup = tmp_path / "backup.sqlite3"
    # What `sqlite3 db.sqlite3 ".backup backup.sqlite3"` does: a consistent copy of a live file.
    with sqlite3.connect(connection.settings_dict["NAME"]) as live, sqlite3.connect(backup) as copy:
        live.backup(copy)
    assert_every_record_restored(source, sqlite_records(backup))

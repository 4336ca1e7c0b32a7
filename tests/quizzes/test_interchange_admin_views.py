"""Question bank > Import and Export in the admin: who may, preview writes nothing, confirm
imports once, bad files give clear errors, the download, images shown on question pages."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import ModelLogEntry, Revision

from quizzes.interchange import uploads
from quizzes.interchange.importing import import_file
from quizzes.interchange.records import Answer, EmbeddedFile, ImportFile, QuestionRecord
from quizzes.models import Question, QuestionCategory
from tests.factories import SourceFactory, UserFactory

pytestmark = pytest.mark.django_db

IMPORT = reverse("quizzes_interchange:import")
EXPORT = reverse("quizzes_interchange:export")
GIFT = (
    "$CATEGORY: $course$/top/Needling\n\n"
    "::Depth limit on the cheek::How deep may you needle the cheek? "
    "{=Under 10 mm#Right. ~%50%15 mm#Half. ~40 mm#Too deep.}\n\n"
    "::Spasm is bilateral::HFS is usually bilateral. {F#It is one-sided.#Right.}\n"
)
BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<quiz><question type="essay"><name>'
    b"<text>&b;</text></name></question></quiz>"
)
BAD_FRACTION = (
    b"<quiz><question type='multichoice'><name><text>Thirds</text></name>"
    b"<questiontext format='html'><text>Pick</text></questiontext>"
    b"<answer fraction='33'><text>a</text></answer><answer fraction='100'><text>b</text>"
    b"</answer></question></quiz>"
)


@pytest.fixture
def source(db):
    return SourceFactory(title="Moodle bank of the clinic")


@pytest.fixture
def manager(roles):
    return UserFactory(username="manager-i16", groups=["Clinic managers"])


def upload(client, data: bytes | str, source, *, name: str = "bank.gift.txt", fmt: str = ""):
    content = data.encode() if isinstance(data, str) else data
    return client.post(
        IMPORT,
        {
            "file": SimpleUploadedFile(name, content),
            "format": fmt,
            "category": "Moodle",
            "source": source.pk,
        },
    )


def held_files() -> list[str]:
    try:
        return default_storage.listdir(uploads.FOLDER)[1]
    except FileNotFoundError:
        return []


# --- who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "may_import", "may_export"),
    [
        ("anonymous", False, False),
        ("trainee", False, False),
        ("manager", False, False),
        ("instructor", True, True),
        ("reviewer", True, True),
        ("admin_user", True, True),
    ],
)
def test_each_role_may_only_what_its_permissions_allow(
    client, request, roles, source, who, may_import, may_export
):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    for url, allowed in ((IMPORT, may_import), (EXPORT, may_export)):
        response = client.get(url)
        assert (response.status_code == 200) is allowed, (who, url, response.status_code)
        if not allowed:
            assert response.status_code in (302, 403)
    response = upload(client, GIFT, source)
    assert (response.status_code == 200) is may_import
    response = client.post(IMPORT, {"confirm": "anything"})
    assert response.status_code in ((400,) if may_import else (302, 403))
    assert Question.objects.count() == 0  # a preview held the file, nothing imported
    assert len(held_files()) == (1 if may_import else 0)
    menu = client.get(reverse("wagtailadmin_home"))
    if menu.status_code == 200:
        assert (IMPORT.encode() in menu.content) is may_import


# --- preview, then confirm ------------------------------------------------------------------


def test_preview_lists_every_question_and_writes_nothing(client, instructor, source):
    client.force_login(instructor)
    revisions = Revision.objects.count()
    response = upload(client, GIFT, source)
    body = response.content.decode()
    assert response.status_code == 200
    assert "2 imported, 0 updated, 0 skipped" in body
    assert "Depth limit on the cheek" in body and "Spasm is bilateral" in body
    assert "Moodle / Needling" in body and "Single choice" in body and "True / false" in body
    assert Question.objects.count() == 0 and Revision.objects.count() == revisions
    assert QuestionCategory.objects.count() == 0
    assert len(held_files()) == 1


def test_confirm_imports_once_logs_and_deletes_the_file(
    client, instructor, source, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client.force_login(instructor)
    token = upload(client, GIFT, source).context["token"]
    with django_assert_max_num_queries(80), django_capture_on_commit_callbacks(execute=True):
        response = client.post(IMPORT, {"confirm": token})
    assert response.status_code == 200
    assert "2 imported, 0 updated, 0 skipped" in response.content.decode()
    assert Question.objects.filter(live=False).count() == 2
    assert held_files() == []
    entry = ModelLogEntry.objects.get(action=uploads.IMPORTED_FILE)
    assert entry.user == instructor and entry.data["created"] == 2
    assert entry.data["file"] == "bank.gift.txt"
    question = Question.objects.get(title="Depth limit on the cheek")
    assert (
        reverse(
            "wagtailsnippets_quizzes_question:revisions_view",
            args=[question.pk, question.latest_revision_id],
        )
        in response.content.decode()
    )
    again = client.post(IMPORT, {"confirm": token})
    assert again.status_code == 400 and "imported already" in again.content.decode()
    assert Question.objects.count() == 2


def test_a_preview_is_confirmed_only_by_its_uploader_within_the_hour(
    client, instructor, reviewer, source, monkeypatch
):
    client.force_login(instructor)
    token = upload(client, GIFT, source).context["token"]
    client.force_login(reviewer)
    response = client.post(IMPORT, {"confirm": token})
    assert response.status_code == 400 and "someone else" in response.content.decode()
    client.force_login(instructor)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.post(IMPORT, {"confirm": tampered})
    assert response.status_code == 400 and "not valid" in response.content.decode()
    later = signing.time.time() + uploads.MAX_AGE + 5
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = client.post(IMPORT, {"confirm": token})
    assert response.status_code == 400 and "more than an hour" in response.content.decode()
    assert Question.objects.count() == 0


def test_a_stale_held_file_is_purged(client, instructor, source):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(instructor)
    upload(client, GIFT, source)
    assert uploads.purge_stale_uploads() == 0
    later = timezone.now() + timedelta(seconds=uploads.MAX_AGE + 60)
    assert uploads.purge_stale_uploads(later) == 1 and held_files() == []


# --- bad files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\x00\x01\x02\xff\xfe binary", "bank.gift.txt", "not UTF-8 or Windows-1252"),
        (BOMB, "bomb.xml", "DTD or entities"),
        (BAD_FRACTION, "thirds.xml", "credit 33% is not one of the grades Moodle accepts"),
        (
            b"<?xml version='1.0'?>\n<quiz>\n<question type='essay'>\n</quiz>",
            "x.xml",
            "well-formed",
        ),
        (b"::Broken::Stem {=a ~b", "broken.gift.txt", "Nothing was imported"),
    ],
    ids=["encoding", "xml-bomb", "fraction", "malformed-xml", "malformed-gift"],
)
def test_a_bad_file_shows_its_error_and_writes_nothing(
    client, instructor, source, data, name, message
):
    client.force_login(instructor)
    response = upload(client, data, source, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "token" not in response.context or not response.context.get("token")
    assert Question.objects.count() == 0 and QuestionCategory.objects.count() == 0
    assert held_files() == []


def test_a_file_too_large_is_refused_before_reading(client, instructor, source, settings):
    settings.QUESTION_IMPORT_MAX_BYTES = 100
    client.force_login(instructor)
    response = upload(client, GIFT * 3, source)
    assert response.status_code == 200 and "can be imported" in response.content.decode()
    assert held_files() == [] and Question.objects.count() == 0


def test_a_missing_field_is_a_field_error(client, instructor, source):
    client.force_login(instructor)
    response = client.post(IMPORT, {"category": " ", "source": source.pk})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"file", "category"}


# --- export ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "extension"), [("gift", "gift.txt"), ("moodlexml", "xml")])
def test_export_downloads_the_category(client, reviewer, source, fmt, extension):
    import_file(
        ImportFile(
            format="gift",
            questions=[
                QuestionRecord(
                    type="true_false",
                    name="Spasm is bilateral",
                    text="<p>HFS is usually bilateral.</p>",
                    answers=[Answer("True", Decimal(0)), Answer("False", Decimal(1))],
                )
            ],
        ),
        source=source,
        category="Moodle",
        user=None,
        dry_run=False,
    )
    category = QuestionCategory.objects.get(name="Moodle")
    client.force_login(reviewer)
    response = client.get(EXPORT, {"category": category.pk, "format": fmt})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="moodle.{extension}"'
    assert "Spasm is bilateral" in response.content.decode()


def test_export_with_a_bad_choice_is_a_400(client, reviewer):
    client.force_login(reviewer)
    response = client.get(EXPORT, {"category": "999999", "format": "pdf"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"category", "format"}


# --- images on question pages ----------------------------------------------------------------


def _png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (8, 8), "red").save(out, format="PNG")
    return out.getvalue()


def test_an_imported_image_shows_on_the_preview_and_nothing_else_does(client, instructor, source):
    record = QuestionRecord(
        type="single_choice",
        name="Which side twitches",
        text='<p>Look: <img src="@@PLUGINFILE@@/face.png" alt="Face &quot;map&quot;"></p>',
        general_feedback='<p>See <img src="@@PLUGINFILE@@/face.png"></p>',
        answers=[Answer("Left", Decimal(1)), Answer("Right", Decimal(0))],
        files=[EmbeddedFile("face.png", _png())],
    )
    summary = import_file(
        ImportFile(format="moodlexml", questions=[record]),
        source=source,
        category="Moodle",
        user=None,
        dry_run=False,
    )
    assert any("general feedback left out" in note for q in summary.questions for note in q.notes)
    question = Question.objects.get()
    image = get_image_model().objects.get()
    client.force_login(instructor)
    url = reverse(
        "wagtailsnippets_quizzes_question:revisions_view",
        args=[question.pk, question.latest_revision_id],
    )
    body = client.get(url).content.decode()
    assert body.count("<img") == 1 and 'alt="Face &quot;map&quot;"' in body
    assert image.get_rendition("width-800").url in body


def test_the_stem_filter_keeps_only_library_images():
    image = get_image_model().objects.create(
        title="face", file=SimpleUploadedFile("face.png", _png())
    )
    template = Template("{% load sanitizing %}{{ stem|clean_richtext_images }}")
    stem = (
        f'<p>A <embed embedtype="image" id="{image.pk}" alt="x&quot; onerror=&quot;alert(1)" '
        'format="left"/> <img src="https://evil.example/t.png"> '
        '<embed embedtype="image" id="1 or 1=1" format="fullwidth"/>'
        "<script>alert(2)</script></p>"
    )
    html = template.render(Context({"stem": stem}))
    assert html.count("<img") == 1 and "evil.example" not in html and "<script" not in html
    assert 'alt="x&quot; onerror=&quot;alert(1)"' in html

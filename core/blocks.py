"""StreamField blocks shared by every content page (lessons, cases, course overviews)."""

import hashlib
import re

from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock
from wagtail.snippets.blocks import SnippetChooserBlock

RICH_TEXT_FEATURES = [
    "h2",
    "h3",
    "h4",
    "bold",
    "italic",
    "ol",
    "ul",
    "link",
    "hr",
    "superscript",
    "subscript",
]
INLINE_FEATURES = ["bold", "italic", "ol", "ul", "link"]

# The blocks that cite a Source and a passage of it; each renders with `passage_anchor` as its id.
CITING_BLOCKS = ("citation", "case_excerpt")


def normalise_passage(passage: str) -> str:
    """A passage as compared: case-folded, spacing collapsed."""
    return re.sub(r"\s+", " ", passage).strip().casefold()


def passage_anchor(source_id: int | None, passage: str) -> str:
    """The HTML id of a block citing `passage` of a source: the same on every render and reload,
    so a question written from that passage can link straight to it (quizzes.passages)."""
    digest = hashlib.sha256(normalise_passage(passage).encode()).hexdigest()[:10]
    return f"source-{source_id or 0}-{digest}"


class CitingBlock(blocks.StructBlock):
    """A block that cites a passage of a Source: its template gets the passage's `anchor`."""

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        source = value.get("source")
        context["anchor"] = passage_anchor(source.pk if source else None, value.get("passage", ""))
        return context


class FigureBlock(blocks.StructBlock):
    """An image with alt text, a caption and a credit line (who made or owns the image)."""

    image = ImageBlock()
    caption = blocks.CharBlock(required=False, max_length=300)
    credit = blocks.CharBlock(
        required=False, max_length=200, help_text="Who made or owns the image."
    )

    class Meta:
        icon = "image"
        template = "core/blocks/figure.html"
        label = "Image"
        description = "An image with alt text, caption and credit."


class VideoBlock(blocks.StructBlock):
    """An embedded video (YouTube, Vimeo) with a title and an optional transcript summary."""

    video = EmbedBlock(help_text="Address of the video, e.g. https://www.youtube.com/watch?v=...")
    title = blocks.CharBlock(max_length=200)
    caption = blocks.TextBlock(
        required=False, help_text="What the video shows, for those who cannot watch it."
    )

    class Meta:
        icon = "media"
        template = "core/blocks/video.html"
        label = "Video"


class CalloutBlock(blocks.StructBlock):
    """A highlighted box. The safety style marks depth, vessel and nerve, and referral warnings.

    The two background styles mark general clinical background: teaching the course sources do not
    give, labelled on the page as not coming from them ("safety-background" when it is also a
    safety warning).
    """

    style = blocks.ChoiceBlock(
        choices=[
            ("info", "Information"),
            ("warning", "Warning"),
            ("safety", "Safety"),
            ("background", "General clinical background"),
            ("safety-background", "Safety: general clinical background"),
        ],
        default="info",
    )
    title = blocks.CharBlock(max_length=200)
    body = blocks.RichTextBlock(features=INLINE_FEATURES)

    class Meta:
        icon = "warning"
        template = "core/blocks/callout.html"
        label = "Callout"
        description = "Information, warning, safety or general clinical background box."
        preview_value = {
            "style": "safety",
            "title": "Keep the needle shallow",
            "body": "<p>Stay within subcutaneous tissue and superficial muscle.</p>",
        }


class KeyPointsBlock(blocks.StructBlock):
    """A short list of the points a learner must take away."""

    title = blocks.CharBlock(max_length=120, default="Key points")
    points = blocks.ListBlock(blocks.CharBlock(max_length=400), min_num=1)

    class Meta:
        icon = "list-ul"
        template = "core/blocks/key_points.html"
        label = "Key points"


class CaptionedTableBlock(blocks.StructBlock):
    """A data table with a caption; the first row is the header row."""

    caption = blocks.CharBlock(max_length=300)
    table = TableBlock(table_options={"startRows": 3, "startCols": 3})

    class Meta:
        icon = "table"
        template = "core/blocks/table.html"
        label = "Table"


class CitationBlock(CitingBlock):
    """A reference to a Source and the passage relied on, at the point of use."""

    source = SnippetChooserBlock("core.Source")
    passage = blocks.CharBlock(
        max_length=300, help_text="Which passage, e.g. 'case report, treatment paragraph'."
    )
    note = blocks.RichTextBlock(features=INLINE_FEATURES, required=False)

    class Meta:
        icon = "openquote"
        template = "core/blocks/citation.html"
        label = "Citation"


class CaseExcerptBlock(CitingBlock):
    """Part of a clinical case retold in our own words, with the Source it comes from."""

    title = blocks.CharBlock(max_length=200, default="From the case")
    text = blocks.RichTextBlock(features=INLINE_FEATURES)
    source = SnippetChooserBlock("core.Source")
    passage = blocks.CharBlock(max_length=300)

    class Meta:
        icon = "doc-full"
        template = "core/blocks/case_excerpt.html"
        label = "Case excerpt"


class ContentStreamBlock(blocks.StreamBlock):
    """The body of a lesson or overview page."""

    text = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES, icon="pilcrow", template="core/blocks/text.html"
    )
    image = FigureBlock()
    video = VideoBlock()
    callout = CalloutBlock()
    key_points = KeyPointsBlock()
    table = CaptionedTableBlock()
    case_excerpt = CaseExcerptBlock()
    citation = CitationBlock()

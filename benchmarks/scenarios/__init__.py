"""The benchmark scenarios; importing this package registers them, in the table's order."""

# isort: skip_file
# The order of these imports is the order the scenarios run and their rows are printed in.
from benchmarks.scenarios import quiz_submit
from benchmarks.scenarios import quiz_pages
from benchmarks.scenarios import progress_pages
from benchmarks.scenarios import lesson_page
from benchmarks.scenarios import clinic
from benchmarks.scenarios import item_statistics
from benchmarks.scenarios import interchange_import
from benchmarks.scenarios import scale_out

__all__ = [
    "clinic",
    "interchange_import",
    "item_statistics",
    "lesson_page",
    "progress_pages",
    "quiz_pages",
    "quiz_submit",
    "scale_out",
]

"""Item-writing checks: NBME-style flaws in one question, and a summary of a question bank.

The checks read a question as its text, options and tags (an `Item`, built from a stored
`Question` by `item_from_question`) and return `Finding`s, each with a stable `code`. They are
pure functions: no database, no settings. They are heuristics written to catch the flaws the
item-writing guide (NBME, *Constructing Written Test Questions*) names most often, so each one
says plainly what it looks at and what it misses. A finding is a prompt for an author to look
again, never a refusal: the admin shows them beside the question and saves whatever is there.

Per question (`check_item`):

``key-longest``
    Single choice: the key is strictly longer (visible characters, tags and extra spaces
    removed) than every distractor. The rule authors follow is "the key is not the longest
    option", so any margin counts; a tie with a distractor passes. The message gives the ratio
    to the mean distractor length, so an author sees how strong the cue is (1.25x and over is
    the clear cue test-wise learners use). Multiple response: every key is longer than every
    distractor (the long options are the right ones). Other types have no options to compare.
``key-only-hedged``
    Single or multiple choice: a key is hedged (one of `HEDGES`, qualifying adverbs and modal
    verbs: generally, usually, may, might, often, can, could, typically, sometimes, commonly,
    possibly, probably, likely, mostly, largely, partly...) and no distractor is: the
    qualified option stands out among unqualified ("absolute") ones. Adjectives such as
    "possible" are not counted.
``all-none-of-the-above``
    A choice option reads "all of the above", "none of the above", "both of these" and the
    like.
``unbolded-negative``
    The lead-in uses a negative (not, except, never, least, cannot, false, incorrect, untrue,
    n't) outside bold (``**not**`` in Markdown, ``<b>`` or ``<strong>`` in rich text); or,
    anywhere in the stem, NOT or EXCEPT in capitals outside bold. The lead-in is every sentence
    that ends in "?" or gives the task ("Match each...", "Put...", "Select..."), else the last
    sentence (so a true/false statement is its own lead-in); parentheses and "true or false"
    are ignored. A negative in the vignette's story ("she has not seen a doctor") or in a note
    after the task ("two of the answers are not needed") is not a flaw and is not flagged;
    nor is an essay task (the rule is about selected-response items).
``matching-no-spare``
    Matching: no more distinct answers than prompts, so the last answer is given away.
``recall-vignette``
    A question set at level ``recall`` whose stem tells a patient story (window dressing): an
    age ("52-year-old"), "a/an/your/new (...) patient/man/woman", "presents with/to",
    "constructed case", "you are", or "you examine/palpate/find/see/plan/consider/treat/
    release/assess/meet/search/feel". Either cut the story, or make the question use it and
    set the level to application or decision. A recall stem that only names the published
    case's patient ("in the published case, where did the patient's spasm begin?") is not a
    story and is not flagged; pronouns alone ("her", "his") are not read as a story either.
``clang``
    Single or multiple choice: the key echoes the stem and the distractors do not. Either a word
    of six letters or more (function words such as "because", "following", "published" excepted;
    a final plural "s" ignored) stands in the key and the stem and in no distractor, and the key
    shares more such words with the stem than any distractor does (a stem word every option
    echoes is no cue); or the key copies a run of `CLANG_RUN_WORDS` (4) words from the stem and
    no distractor copies one.
``missing-feedback``
    A single choice, multiple response or true/false option without feedback (matching pairs,
    ordering items and accepted short answers carry none).
``missing-objective``
    The question names no learning objective.

Over a bank (`summarise`): the count per level (recall / application / decision) and the share
of application and decision (the curriculum's aim is at least `APPLIED_SHARE_TARGET`); the
questions per objective; the critical questions per safety topic (`SAFETY_TOPICS`: depth,
vessels and nerves, screening, referral; an objective belongs to a topic when its key or its
text matches the topic's pattern); and near-duplicate pairs (`near_duplicates`).

Near duplicates (`near_duplicates`, `duplicate_score`): each question becomes a set of content
words (lower case, stop words and words under three letters dropped, a final plural "s"
ignored) from its stem and its answer (the keys of a choice question, the accepted answers, the
numeric answer and unit, the matching pairs or ordering items; nothing for true/false). The
score of a pair is the Jaccard index of those sets; when both answers have at least
`ANSWER_MIN_WORDS` (3) content words, it is averaged with the Jaccard index of the answers
alone, so the same fact asked under two different stories still scores high. A pair is a near
duplicate at `DUPLICATE_THRESHOLD` (0.38) or more, or when the titles' content words are equal.
The threshold was calibrated on the curriculum as it stood before the version 2 rewrite (git
fae8e80, 75 questions): at 0.38 it finds 13 pairs in 11 groups (23 questions), each the same
fact asked two or three times (the case's TCM diagnosis three times, the depth limit, the
needle's diameter, the session order, the secondary causes...), the groups a clinical reviewer
found by hand. The closest pair below (0.37) asks which tongue finding points to blood stasis
against which findings were recorded: related, not the same question; the next (0.32), two
referral decisions on different stories. Like every heuristic here it misses a duplicate
reworded throughout, and a clinician still reads the bank.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html import unescape
from itertools import combinations
from typing import Any

from quizzes.models.choices import CognitiveLevel, QuestionType

# Codes ------------------------------------------------------------------------------------------

KEY_LONGEST = "key-longest"
KEY_ONLY_HEDGED = "key-only-hedged"
ALL_NONE_OF_THE_ABOVE = "all-none-of-the-above"
UNBOLDED_NEGATIVE = "unbolded-negative"
MATCHING_NO_SPARE = "matching-no-spare"
RECALL_VIGNETTE = "recall-vignette"
CLANG = "clang"
MISSING_FEEDBACK = "missing-feedback"
MISSING_OBJECTIVE = "missing-objective"

CODES: dict[str, str] = {
    KEY_LONGEST: "the key is the longest option",
    KEY_ONLY_HEDGED: "only the key is hedged",
    ALL_NONE_OF_THE_ABOVE: "all/none of the above",
    UNBOLDED_NEGATIVE: "negative in the lead-in not in bold",
    MATCHING_NO_SPARE: "matching without spare answers",
    RECALL_VIGNETTE: "vignette on a recall question",
    CLANG: "stem word repeated in the key (clang)",
    MISSING_FEEDBACK: "option without feedback",
    MISSING_OBJECTIVE: "no learning objective",
}

# Tuning -----------------------------------------------------------------------------------------

CLEAR_MARGIN = 1.25  # key / mean distractor length shown as a strong cue in the message


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


HEDGES = _word_set(
    "generally usually may might often can could typically sometimes commonly frequently "
    "possibly probably likely tend tends mostly largely partly perhaps rarely seldom"
)
NEGATIVES = _word_set("not except never least cannot false incorrect untrue")
CLANG_MIN_LETTERS = 6
CLANG_RUN_WORDS = 4
DUPLICATE_THRESHOLD = 0.38
ANSWER_MIN_WORDS = 3
APPLIED_SHARE_TARGET = 0.6
SAFETY_TOPICS: dict[str, re.Pattern[str]] = {
    "depth": re.compile(r"\bdepth|\bdeep", re.IGNORECASE),
    "vessels and nerves": re.compile(r"vessel", re.IGNORECASE),
    "screening": re.compile(r"\bscreen", re.IGNORECASE),
    "referral": re.compile(r"\brefer(?:s|red|ral|ring)?\b|red-flag|red flag", re.IGNORECASE),
}

STOP_WORDS = _word_set(
    """
    about above across after again against along also although among and another any are
    around because been before being below beneath best between both but can cannot could did
    does doing down during each either else even ever every few following for from further
    had has have having her here hers herself him himself his how however into its itself just
    least less like more most much must near neither next nor not now off once one only onto
    other others our out over own per rather same shall she should since some such than that
    the their them themselves then there these they this those though through thus too toward
    towards under unless until upon very was were what whatever when where whether which while
    who whom whose why will with within without would yet you your yours which following
    statement statements describes describe best most likely next step appropriate
    """
)
# Function words of six letters or more that say nothing about the key when repeated.
CLANG_IGNORED = STOP_WORDS | _word_set(
    "select answer answers option options question questions correct published"
)

_BOLD = re.compile(r"<(b|strong)\b[^>]*>.*?</\1\s*>|\*\*.+?\*\*|__.+?__", re.IGNORECASE | re.DOTALL)
_BLOCK_END = re.compile(r"</(p|li|h[1-6]|div|blockquote|tr|td|th)\s*>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCE = re.compile(r"[^.?!]+[.?!]*")
_ABOVE = re.compile(
    r"\b(?:all|none|both|neither|any)\s+of\s+(?:the\s+)?(?:above|these|those|them|the\s+options)\b",
    re.IGNORECASE,
)
_VIGNETTE = re.compile(
    r"\b\d+[- ]year[- ]old\b|\byear-old\b"
    r"|\b(?:a|an|your|new)\s+(?:[a-z-]+\s+)?(?:patient|man|woman|boy|girl)\b"
    r"|\bpresents?\s+(?:with|to)\b|\bconstructed case\b|\byou are\b|\byou're\b"
    r"|\byou (?:examine|palpate|find|see|plan|consider|treat|release|assess|meet|search|feel)\b",
    re.IGNORECASE,
)
_INSTRUCTION = re.compile(
    r"(?:match|put|order|arrange|rank|select|choose|pick|name|give|write|enter|state|list"
    r"|describe|explain|identify|outline)\b",
    re.IGNORECASE,
)
_PARENTHESES = re.compile(r"\([^()]*\)")
_TRUE_OR_FALSE = re.compile(r"\btrue\s+or\s+false\b", re.IGNORECASE)
_CAPITAL_NEGATIVE = re.compile(r"\b(?:NOT|EXCEPT)\b")


# What a check reads ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One option, item, pair or accepted answer, as QuestionOption stores it."""

    text: str
    correct: bool = False
    feedback: str = ""
    match: str = ""


@dataclass(frozen=True)
class Objective:
    key: str
    text: str = ""


@dataclass(frozen=True)
class Item:
    """A question as the checks read it. `stem` is the stored rich text (HTML) or Markdown."""

    key: str
    title: str
    kind: str
    level: str
    stem: str
    options: tuple[Option, ...] = ()
    objectives: tuple[Objective, ...] = ()
    critical: bool = False
    numeric_answer: str = ""
    numeric_unit: str = ""

    @property
    def keys(self) -> list[Option]:
        return [o for o in self.options if o.correct]

    @property
    def distractors(self) -> list[Option]:
        return [o for o in self.options if not o.correct]


@dataclass(frozen=True)
class Finding:
    code: str
    message: str


def item_from_question(question: Any) -> Item:
    """The Item of a stored Question. Reads `question.options.all()` and
    `question.objectives.all()`: prefetch both when checking many questions."""
    options = tuple(
        Option(text=o.text, correct=o.is_correct, feedback=o.feedback, match=o.match)
        for o in question.options.all()
    )
    objectives = tuple(Objective(o.key, o.text) for o in question.objectives.all())
    answer = question.numeric_answer
    return Item(
        key=question.key,
        title=question.title,
        kind=question.question_type,
        level=question.level,
        stem=question.stem or "",
        options=options,
        objectives=objectives,
        critical=bool(question.critical),
        numeric_answer="" if answer is None else f"{answer.normalize():f}",
        numeric_unit=question.numeric_unit or "",
    )


# Text helpers ----------------------------------------------------------------------------------


def visible_text(html: str) -> str:
    """What a reader sees: tags removed (blocks kept apart), entities decoded, spaces collapsed."""
    text = _TAG.sub("", _BLOCK_END.sub(" ", html or ""))
    return " ".join(unescape(text).split())


def words(text: str) -> list[str]:
    return _WORD.findall(visible_text(text).lower().replace("\u2019", "'"))


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def content_words(text: str) -> set[str]:
    """Lower-case words of three letters or more, stop words dropped, plural "s" ignored."""
    return {_singular(w) for w in words(text) if len(w) >= 3 and w not in STOP_WORDS}


def lead_in(stem: str) -> str:
    """The question the stem asks: its sentences ending in "?" or giving the task ("Match
    each...", "Put...", "Select..."), or else its last sentence."""
    sentences = [s.strip() for s in _SENTENCE.findall(stem) if s.strip()]
    asked = [s for s in sentences if s.endswith("?") or _INSTRUCTION.match(s)]
    return " ".join(asked) if asked else (sentences[-1] if sentences else "")


def _hedges(text: str) -> set[str]:
    return set(words(text)) & HEDGES


def _quote(text: str, limit: int = 60) -> str:
    text = visible_text(text)
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


# The checks ------------------------------------------------------------------------------------

CHOICES = (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_RESPONSE)


def check_key_longest(item: Item) -> list[Finding]:
    if item.kind not in CHOICES or not item.keys or not item.distractors:
        return []
    key_lengths = [len(visible_text(o.text)) for o in item.keys]
    wrong = [len(visible_text(o.text)) for o in item.distractors]
    if min(key_lengths) <= max(wrong):
        return []
    mean = sum(wrong) / len(wrong)
    ratio = min(key_lengths) / mean if mean else float("inf")
    strength = "a clear cue" if ratio >= CLEAR_MARGIN else "a cue"
    if item.kind == QuestionType.SINGLE_CHOICE:
        what = f"The key ({key_lengths[0]} characters) is longer than every distractor"
    else:
        what = "Every key is longer than every distractor"
    return [
        Finding(
            KEY_LONGEST,
            f"{what} (longest distractor {max(wrong)}, mean {mean:.0f}; {ratio:.2f}x: "
            f"{strength}). Make the options similar in length; where possible let a "
            "distractor be the longest.",
        )
    ]


def check_key_only_hedged(item: Item) -> list[Finding]:
    if item.kind not in CHOICES or not item.distractors:
        return []
    if any(_hedges(o.text) for o in item.distractors):
        return []
    hedged = [(o, sorted(_hedges(o.text))) for o in item.keys if _hedges(o.text)]
    return [
        Finding(
            KEY_ONLY_HEDGED,
            f"Only the key {_quote(o.text)} is hedged ({', '.join(found)}); every distractor "
            "is absolute. Hedge a distractor too, or state the key without the qualifier.",
        )
        for o, found in hedged
    ]


def check_all_none_of_the_above(item: Item) -> list[Finding]:
    if item.kind not in (*CHOICES, QuestionType.TRUE_FALSE):
        return []
    return [
        Finding(
            ALL_NONE_OF_THE_ABOVE,
            f"Option {_quote(o.text)} is an all/none-of-the-above option; replace it with a "
            "plausible answer of its own.",
        )
        for o in item.options
        if _ABOVE.search(visible_text(o.text))
    ]


def check_unbolded_negative(item: Item) -> list[Finding]:
    if item.kind == QuestionType.ESSAY:
        return []  # an essay task may ask what a case "can and cannot show"
    text = visible_text(_BOLD.sub(" ", item.stem or ""))
    asked = _TRUE_OR_FALSE.sub(" ", _PARENTHESES.sub(" ", lead_in(text)))
    negatives = [w for w in words(asked) if w in NEGATIVES or w.endswith("n't")]
    capitals = _CAPITAL_NEGATIVE.findall(text)
    found = sorted({*negatives, *(c.lower() for c in capitals)})
    if not found:
        return []
    return [
        Finding(
            UNBOLDED_NEGATIVE,
            f"The question is asked in the negative ({', '.join(found)}) without bold. Ask it "
            "positively, or bold the negative (**not**, **except**).",
        )
    ]


def check_matching_spares(item: Item) -> list[Finding]:
    if item.kind != QuestionType.MATCHING:
        return []
    prompts = [o for o in item.options if o.text.strip()]
    answers = {" ".join(o.match.split()).lower() for o in item.options if o.match.strip()}
    if len(answers) > len(prompts):
        return []
    return [
        Finding(
            MATCHING_NO_SPARE,
            f"{len(prompts)} prompts and {len(answers)} answers: the last answer is given away. "
            "Add at least one plausible spare answer (a distractor).",
        )
    ]


def check_recall_vignette(item: Item) -> list[Finding]:
    if item.level != CognitiveLevel.RECALL:
        return []
    found = _VIGNETTE.search(visible_text(item.stem))
    if not found:
        return []
    return [
        Finding(
            RECALL_VIGNETTE,
            f"A recall question with a patient story ({_quote(found.group(0), 30)}): window "
            "dressing. Cut the story, or ask the learner to use it and set the level to "
            "application or decision.",
        )
    ]


def _clang_words(text: str) -> set[str]:
    return {
        _singular(w) for w in words(text) if len(w) >= CLANG_MIN_LETTERS and w not in CLANG_IGNORED
    }


def _runs(text: str, length: int) -> set[tuple[str, ...]]:
    found = words(text)
    return {tuple(found[i : i + length]) for i in range(len(found) - length + 1)}


def check_clang(item: Item) -> list[Finding]:
    if item.kind not in CHOICES or not item.distractors:
        return []
    stem = _clang_words(item.stem)
    stem_runs = _runs(item.stem, CLANG_RUN_WORDS)
    echoed = [_clang_words(o.text) & stem for o in item.distractors]
    elsewhere = set().union(*(_clang_words(o.text) for o in item.distractors))
    most = max(len(e) for e in echoed)
    copied_elsewhere = any(_runs(o.text, CLANG_RUN_WORDS) & stem_runs for o in item.distractors)
    findings = []
    for option in item.keys:
        echo = _clang_words(option.text) & stem
        repeated = sorted(echo - elsewhere)
        copied = sorted(_runs(option.text, CLANG_RUN_WORDS) & stem_runs)
        if repeated and len(echo) > most:
            what = ", ".join(repeated)
        elif copied and not copied_elsewhere:
            what = f"“{' '.join(copied[0])}…”"
        else:
            continue
        findings.append(
            Finding(
                CLANG,
                f"The key {_quote(option.text)} repeats {what} from the stem, and no distractor "
                "echoes the stem as much: reword the key, or let the distractors use the "
                "stem's words too.",
            )
        )
    return findings


def check_feedback(item: Item) -> list[Finding]:
    if item.kind not in (*CHOICES, QuestionType.TRUE_FALSE):
        return []
    return [
        Finding(MISSING_FEEDBACK, f"Option {_quote(o.text)} has no feedback saying why.")
        for o in item.options
        if not visible_text(o.feedback)
    ]


def check_objective(item: Item) -> list[Finding]:
    if item.objectives:
        return []
    return [Finding(MISSING_OBJECTIVE, "The question names no learning objective it assesses.")]


CHECKS: tuple[Callable[[Item], list[Finding]], ...] = (
    check_key_longest,
    check_key_only_hedged,
    check_all_none_of_the_above,
    check_unbolded_negative,
    check_matching_spares,
    check_recall_vignette,
    check_clang,
    check_feedback,
    check_objective,
)


def check_item(item: Item) -> list[Finding]:
    """Every finding for one question, in the order of CHECKS."""
    return [finding for check in CHECKS for finding in check(item)]


def check_question(question: Any) -> list[Finding]:
    """`check_item` for a stored Question (see `item_from_question` on prefetching)."""
    return check_item(item_from_question(question))


# The bank --------------------------------------------------------------------------------------


def answer_text(item: Item) -> str:
    """What the question takes as its answer, as text (for duplicate detection)."""
    if item.kind in (*CHOICES, QuestionType.TRUE_FALSE):
        parts = [o.text for o in item.keys]
        if item.kind == QuestionType.TRUE_FALSE:
            parts = []  # "True"/"False" says nothing; the statement is in the stem
    elif item.kind == QuestionType.NUMERIC:
        parts = [item.numeric_answer, item.numeric_unit]
    elif item.kind == QuestionType.MATCHING:
        parts = [f"{o.text} {o.match}" for o in item.options if o.text.strip()]
    else:  # ordering items, accepted short answers; essays have none
        parts = [o.text.replace("*", " ") for o in item.options]
    return " ".join(parts)


def similarity(a: set[str], b: set[str]) -> float:
    """Jaccard index of two word sets (0 when both are empty)."""
    union = a | b
    return len(a & b) / len(union) if union else 0.0


@dataclass(frozen=True)
class DuplicatePair:
    first: str
    second: str
    score: float
    reason: str


def duplicate_score(a: Item, b: Item) -> float:
    """How strongly two questions overlap (0-1; see the module docstring)."""
    content = similarity(
        content_words(f"{visible_text(a.stem)} {answer_text(a)}"),
        content_words(f"{visible_text(b.stem)} {answer_text(b)}"),
    )
    first, second = content_words(answer_text(a)), content_words(answer_text(b))
    if min(len(first), len(second)) < ANSWER_MIN_WORDS:
        return content
    return (content + similarity(first, second)) / 2


def near_duplicates(
    items: Sequence[Item], threshold: float = DUPLICATE_THRESHOLD
) -> list[DuplicatePair]:
    """Pairs of questions that ask the same thing (see the module docstring), closest first."""
    titles = {i.key: content_words(i.title) for i in items}
    pairs = []
    for a, b in combinations(items, 2):
        score = duplicate_score(a, b)
        if score >= threshold:
            reason = "stem and answer overlap"
        elif titles[a.key] and titles[a.key] == titles[b.key]:
            reason = "same title"
        else:
            continue
        pairs.append(DuplicatePair(a.key, b.key, round(score, 2), reason))
    return sorted(pairs, key=lambda p: (-p.score, p.first, p.second))


def duplicate_groups(pairs: Iterable[DuplicatePair]) -> list[list[str]]:
    """The pairs joined into groups (questions linked by any chain of pairs), sorted."""
    group_of: dict[str, set[str]] = {}
    for pair in pairs:
        merged = group_of.get(pair.first, {pair.first}) | group_of.get(pair.second, {pair.second})
        for key in merged:
            group_of[key] = merged
    unique = {id(g): g for g in group_of.values()}
    return sorted(sorted(g) for g in unique.values())


@dataclass
class BankSummary:
    total: int
    levels: dict[str, int]
    per_objective: dict[str, int]  # objective key -> questions assessing it
    critical_per_safety_topic: dict[str, dict[str, int]]  # topic -> {objective key: critical}
    duplicates: list[DuplicatePair]
    findings: Counter[str] = field(default_factory=Counter)  # code -> findings
    flawed: int = 0  # questions with at least one finding

    @property
    def applied(self) -> int:
        return self.levels.get(CognitiveLevel.APPLICATION, 0) + self.levels.get(
            CognitiveLevel.DECISION, 0
        )

    @property
    def applied_share(self) -> float:
        return self.applied / self.total if self.total else 0.0

    def uncovered_safety(self) -> list[str]:
        """Safety topics with no objective, or an objective with no critical question."""
        return [
            topic
            for topic, counts in self.critical_per_safety_topic.items()
            if not counts or not all(counts.values())
        ]


def safety_topics(objective: Objective) -> list[str]:
    return [
        topic
        for topic, pattern in SAFETY_TOPICS.items()
        if pattern.search(objective.key) or pattern.search(objective.text)
    ]


def summarise(
    items: Sequence[Item],
    objectives: Iterable[Objective] = (),
    findings: dict[str, list[Finding]] | None = None,
) -> BankSummary:
    """The bank-level figures for `items`. `objectives` adds objectives no item names (they
    count 0); `findings` (item key -> findings) is counted by code if given."""
    known: dict[str, Objective] = {o.key: o for o in objectives}
    for item in items:
        for objective in item.objectives:
            known.setdefault(objective.key, objective)
    per_objective = dict.fromkeys(known, 0)
    critical: dict[str, int] = dict.fromkeys(known, 0)
    for item in items:
        for key in {o.key for o in item.objectives}:
            per_objective[key] += 1
            critical[key] += item.critical
    topics: dict[str, dict[str, int]] = {topic: {} for topic in SAFETY_TOPICS}
    for objective in known.values():
        for topic in safety_topics(objective):
            topics[topic][objective.key] = critical[objective.key]
    levels = {level: 0 for level in CognitiveLevel.values}
    for item in items:
        levels[item.level] = levels.get(item.level, 0) + 1
    counted: Counter[str] = Counter()
    flawed = 0
    for found in (findings or {}).values():
        counted.update(f.code for f in found)
        flawed += bool(found)
    return BankSummary(
        total=len(items),
        levels=levels,
        per_objective=per_objective,
        critical_per_safety_topic=topics,
        duplicates=near_duplicates(items),
        findings=counted,
        flawed=flawed,
    )

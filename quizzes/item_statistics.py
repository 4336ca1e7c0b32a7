"""Item statistics for a quiz, with Moodle's definitions.

Pure and typed: marks in, figures out; no database, stdlib only, so the same function serves
the admin report, the `item_statistics` command and any marks export. The definitions are
Moodle's quiz statistics (question/classes/statistics/questions/calculator.php and
mod/quiz/report/statistics/classes/calculator.php), so figures can be compared with Moodle's
and read with its documentation; Moodle's own fixture checks them in the tests.

Per question, over the `s` attempts that were shown it (a mark's "rest" is the attempt's total
minus this question's mark):

- facility: mean mark / max mark (0..1);
- sd: the marks' sample standard deviation / max mark (Moodle shows it as a % of max mark);
- markvariance, othermarkvariance: sample variances of the marks and of the rest;
- covariance: sample covariance of mark and rest; covariancemax: the same with both lists
  sorted, the largest covariance those marks could have;
- discriminationindex: 100 * covariance / √(markvariance * othermarkvariance), the correlation
  of the question with the rest of the quiz, in %;
- discriminativeefficiency: 100 * covariance / covariancemax, in %;
- effectiveweight: 100 * √(covariance with the total) / Σ of that over questions, in %
  (None for a question whose covariance with the total is negative).

Per quiz, over the attempts' totals: mean, median, standarddeviation (sample), skewness and
kurtosis (Moodle's k-statistics), cic (Cronbach's alpha in %: p/(p-1) * (1 - Σ markvariance /
total variance)), errorratio (100 * √(1 - cic/100)) and standarderror (errorratio * sd / 100).
Mean, median, sd and standard error are in marks, as Moodle stores them; `max_mark` converts
them to % of the maximum as Moodle's report shows them (`QuizStatistics.percent`).

A figure that cannot be computed (no attempts, one attempt, zero variance) is None, never an
error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

ItemKey = int | str

# Below this a variance or covariance is rounding noise, not spread: marks that are all equal
# must give "no discrimination index", not a ratio of two specks of floating-point dust.
EPSILON = 1e-12


@dataclass(frozen=True)
class FlagRules:
    """When a question is flagged for review: every threshold in one place."""

    facility_under: float = 0.2
    facility_over: float = 0.95
    discrimination_under: float = 20.0  # % (Moodle's scale)
    unpicked_option_min_attempts: int = 20  # below this, an unpicked option proves nothing


FLAG_RULES = FlagRules()


@dataclass(frozen=True)
class Item:
    """One question slot (or one case stage, when computing by stage).

    `options` are the option ids whose choices are counted; `correct_options` those that are
    right, so an unpicked *distractor* (a wrong option) can be told from an unpicked answer.
    """

    key: ItemKey
    max_mark: float
    random_guess_score: float | None = None
    label: str = ""
    options: tuple[str, ...] = ()
    correct_options: tuple[str, ...] = ()


@dataclass(frozen=True)
class AttemptMarks:
    """Marks of one attempt: a missing key means the item was not presented."""

    marks: Mapping[ItemKey, float]
    choices: Mapping[ItemKey, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class QuestionStatistics:
    """One question's figures; see the module docstring for each definition and scale."""

    key: ItemKey
    label: str
    s: int
    facility: float | None
    sd: float | None
    randomguessscore: float | None
    markaverage: float | None
    markvariance: float | None
    covariance: float | None
    discriminationindex: float | None
    discriminativeefficiency: float | None
    effectiveweight: float | None
    option_counts: Mapping[str, int]
    flags: tuple[str, ...]
    maxmark: float = 1.0
    othermarkvariance: float | None = None
    covariancemax: float | None = None
    covariancewithoverallmark: float | None = None


@dataclass(frozen=True)
class QuizStatistics:
    """Figures for the attempts' totals; mean, median, sd and standarderror are in marks."""

    attempts: int
    mean: float | None
    median: float | None
    standarddeviation: float | None
    skewness: float | None
    kurtosis: float | None
    cic: float | None
    errorratio: float | None
    standarderror: float | None
    max_mark: float = 0.0

    def percent(self, marks: float | None) -> float | None:
        """A figure in marks (mean, median, sd, standard error) as a % of the maximum."""
        if marks is None or not self.max_mark:
            return None
        return 100 * marks / self.max_mark


QUIZ_FIELDS = tuple(f.name for f in fields(QuizStatistics))
# Every figure of a question, in declaration order; the key becomes "slot", as in Moodle.
QUESTION_FIELDS = tuple(
    f.name for f in fields(QuestionStatistics) if f.name not in ("key", "option_counts", "flags")
)


@dataclass(frozen=True)
class Statistics:
    quiz: QuizStatistics
    questions: tuple[QuestionStatistics, ...]

    def as_moodle_dict(self) -> dict[str, Any]:
        """{"quiz": {...}, "questions": [{"slot": ..., ...}]} with Moodle's field names."""
        return {
            "quiz": {name: getattr(self.quiz, name) for name in QUIZ_FIELDS},
            "questions": [
                {
                    "slot": q.key,
                    **{name: getattr(q, name) for name in QUESTION_FIELDS},
                    "option_counts": dict(q.option_counts),
                    "flags": list(q.flags),
                }
                for q in self.questions
            ],
        }


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _sample(total: float, n: int) -> float | None:
    """A sum of squares or products over n values as a sample (co)variance."""
    return total / (n - 1) if n > 1 else None


def _nonzero(value: float | None) -> bool:
    return value is not None and abs(value) > EPSILON


def median(values: Sequence[float]) -> float | None:
    """The middle total, or the mean of the two middle ones (Moodle's median)."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


@dataclass
class _Moments:
    """The second-pass sums for one question (Moodle's secondary_steps_walker)."""

    s: int
    markaverage: float
    markvariance: float | None
    othermarkvariance: float | None
    covariance: float | None
    covariancemax: float | None
    covariancewithoverallmark: float | None


def _moments(marks: list[float], totals: list[float]) -> _Moments | None:
    s = len(marks)
    if s == 0:
        return None
    others = [t - m for m, t in zip(marks, totals, strict=True)]
    markaverage, otheraverage, totalaverage = _mean(marks), _mean(others), _mean(totals)
    dm = [m - markaverage for m in marks]
    do = [o - otheraverage for o in others]
    sorted_pairs = zip(sorted(marks), sorted(others), strict=True)
    return _Moments(
        s=s,
        markaverage=markaverage,
        markvariance=_sample(math.fsum(d * d for d in dm), s),
        othermarkvariance=_sample(math.fsum(d * d for d in do), s),
        covariance=_sample(math.fsum(a * b for a, b in zip(dm, do, strict=True)), s),
        covariancemax=_sample(
            math.fsum((m - markaverage) * (o - otheraverage) for m, o in sorted_pairs), s
        ),
        covariancewithoverallmark=_sample(
            math.fsum(d * (t - totalaverage) for d, t in zip(dm, totals, strict=True)), s
        ),
    )


def _option_counts(item: Item, attempts: Sequence[AttemptMarks]) -> dict[str, int]:
    counts = dict.fromkeys(item.options, 0)
    for attempt in attempts:
        if item.key not in attempt.marks:
            continue
        for option in attempt.choices.get(item.key, ()):
            counts[option] = counts.get(option, 0) + 1
    return counts


def _flags(
    item: Item,
    s: int,
    facility: float | None,
    discrimination: float | None,
    counts: Mapping[str, int],
    rules: FlagRules,
) -> tuple[str, ...]:
    flags: list[str] = []
    if facility is not None and facility < rules.facility_under:
        flags.append(f"Facility under {rules.facility_under:.2f}")
    if facility is not None and facility > rules.facility_over:
        flags.append(f"Facility over {rules.facility_over:.2f}")
    if discrimination is not None and discrimination < rules.discrimination_under:
        flags.append(f"Discrimination index under {rules.discrimination_under:g}")
    if s >= rules.unpicked_option_min_attempts:
        for option in item.options:
            if option not in item.correct_options and counts.get(option, 0) == 0:
                flags.append(f"Distractor never chosen: {option}")
    return tuple(flags)


def _question(
    item: Item,
    m: _Moments | None,
    effectiveweight: float | None,
    counts: Mapping[str, int],
    rules: FlagRules,
) -> QuestionStatistics:
    s = m.s if m else 0
    facility = sd = discrimination = efficiency = None
    if m is not None:
        if item.max_mark:
            facility = m.markaverage / item.max_mark
            if m.markvariance is not None:
                sd = math.sqrt(max(m.markvariance, 0.0)) / item.max_mark
        if (
            m.covariance is not None
            and _nonzero(m.markvariance)
            and _nonzero(m.othermarkvariance)
            and m.markvariance is not None
            and m.othermarkvariance is not None
        ):
            discrimination = 100 * m.covariance / math.sqrt(m.markvariance * m.othermarkvariance)
        if m.covariance is not None and m.covariancemax is not None and _nonzero(m.covariancemax):
            efficiency = 100 * m.covariance / m.covariancemax
    return QuestionStatistics(
        key=item.key,
        label=item.label,
        s=s,
        facility=facility,
        sd=sd,
        randomguessscore=item.random_guess_score,
        markaverage=m.markaverage if m else None,
        markvariance=m.markvariance if m else None,
        covariance=m.covariance if m else None,
        discriminationindex=discrimination,
        discriminativeefficiency=efficiency,
        effectiveweight=effectiveweight,
        option_counts=counts,
        flags=_flags(item, s, facility, discrimination, counts, rules),
        maxmark=item.max_mark,
        othermarkvariance=m.othermarkvariance if m else None,
        covariancemax=m.covariancemax if m else None,
        covariancewithoverallmark=m.covariancewithoverallmark if m else None,
    )


def _effective_weights(moments: Sequence[_Moments | None]) -> list[float | None]:
    """Moodle's effective weight: each question's share of Σ √(covariance with the total)."""
    roots = [
        math.sqrt(m.covariancewithoverallmark)
        if m is not None
        and m.covariancewithoverallmark is not None
        and m.covariancewithoverallmark >= 0
        else None
        for m in moments
    ]
    total = math.fsum(r for r in roots if r is not None)
    if not _nonzero(total):
        return [None] * len(moments)
    return [None if r is None else 100 * r / total for r in roots]


def _quiz(
    totals: list[float], p: int, sum_of_mark_variance: float, max_mark: float
) -> QuizStatistics:
    """Moodle's quiz-level figures for the attempts' totals, `p` questions."""
    s = len(totals)
    mean = _mean(totals) if s else None
    sd = skewness = kurtosis = cic = errorratio = standarderror = None
    if mean is not None and s > 1:
        diffs = [t - mean for t in totals]
        power2 = math.fsum(d**2 for d in diffs)
        sd = math.sqrt(power2 / (s - 1))
        if s > 2:
            m2 = power2 / s
            m3 = math.fsum(d**3 for d in diffs) / s
            m4 = math.fsum(d**4 for d in diffs) / s
            k2 = s * m2 / (s - 1)
            k3 = s * s * m3 / ((s - 1) * (s - 2))
            if _nonzero(k2):
                skewness = k3 / k2**1.5
                if s > 3:
                    k4 = (
                        s
                        * s
                        * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2)
                        / ((s - 1) * (s - 2) * (s - 3))
                    )
                    kurtosis = k4 / (k2 * k2)
                if p > 1:
                    cic = (100 * p / (p - 1)) * (1 - sum_of_mark_variance / k2)
                    errorratio = 100 * math.sqrt(max(0.0, 1 - cic / 100))
                    standarderror = errorratio * sd / 100
    return QuizStatistics(
        attempts=s,
        mean=mean,
        median=median(totals),
        standarddeviation=sd,
        skewness=skewness,
        kurtosis=kurtosis,
        cic=cic,
        errorratio=errorratio,
        standarderror=standarderror,
        max_mark=max_mark,
    )


def compute(
    items: Sequence[Item], attempts: Sequence[AttemptMarks], *, rules: FlagRules = FLAG_RULES
) -> Statistics:
    """Quiz and per-question statistics of `attempts` over `items`, in Moodle's definitions.

    An attempt's total is the sum of its marks on `items` (marks for other keys are ignored);
    a question's figures use only the attempts that were shown it.
    """
    keys = [item.key for item in items]
    totals = [math.fsum(a.marks.get(k, 0.0) for k in keys) for a in attempts]
    moments: list[_Moments | None] = []
    for key in keys:
        seen = [(a.marks[key], t) for a, t in zip(attempts, totals, strict=True) if key in a.marks]
        moments.append(_moments([m for m, _ in seen], [t for _, t in seen]))
    weights = _effective_weights(moments)
    questions = tuple(
        _question(item, m, w, _option_counts(item, attempts), rules)
        for item, m, w in zip(items, moments, weights, strict=True)
    )
    sum_of_mark_variance = math.fsum(
        m.markvariance for m in moments if m is not None and m.markvariance is not None
    )
    quiz = _quiz(totals, len(items), sum_of_mark_variance, math.fsum(i.max_mark for i in items))
    return Statistics(quiz=quiz, questions=questions)

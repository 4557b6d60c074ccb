"""The response of a read under both criteria, derived from the document (Qt-free).

The reader's primary criteria (mRECIST for HCC, RECIST 1.1 for metastases) decide the read;
the other criteria are computed from the same measurements and shown beside it. Nothing here is
stored or undone: the response is recomputed from the document after every change, and a read
that is not yet assessable (a target measured without the value its criteria need, say) gives
the engine's field-path problems instead of an assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.document import Study
from recist import Assessment, ReadError, assess, parse_read
from recist.model import Criteria

OTHER_CRITERIA = {Criteria.MRECIST: Criteria.RECIST11, Criteria.RECIST11: Criteria.MRECIST}


@dataclass(frozen=True)
class CriteriaResult:
    """The assessment of a read under one criteria, or why there is none yet."""

    criteria: Criteria
    assessment: Assessment | None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.assessment is not None


@dataclass(frozen=True)
class ResponseSummary:
    """The primary criteria's result and the other criteria's, from the same read."""

    primary: CriteriaResult
    secondary: CriteriaResult


def assess_document(document: dict[str, Any], criteria: Criteria) -> CriteriaResult:
    """Assess an ``mrecist-read/1`` document under ``criteria`` (overriding its own)."""
    doc = dict(document, criteria=criteria.value)
    try:
        return CriteriaResult(criteria, assess(parse_read(doc)))
    except ReadError as exc:
        return CriteriaResult(criteria, None, tuple(exc.problems))


def assess_study(study: Study) -> ResponseSummary:
    """Both criteria's results for a study (see the module docstring)."""
    document = study.to_read_json()
    primary = Criteria(study.criteria)
    return ResponseSummary(
        assess_document(document, primary),
        assess_document(document, OTHER_CRITERIA[primary]),
    )

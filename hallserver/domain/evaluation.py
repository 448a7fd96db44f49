"""好差评 (GB/T 39734/39735): five levels; ★1–2 is 差评 and must say why."""

from __future__ import annotations

from ..protocol import EVALUATION_LEVELS as LEVELS
from ..protocol import EVALUATION_REASONS, is_bad_review
from .errors import BadRequest, Unprocessable

_BY_LABEL = {label: code for code, label in EVALUATION_REASONS.items()}


def check_evaluation(
    score: object, reasons: object, comment: object
) -> tuple[int, tuple[str, ...], str]:
    """Validate a rating; reasons may be given by code (efficiency) or label (效率)."""
    if not isinstance(score, int) or isinstance(score, bool) or score not in LEVELS:
        raise BadRequest("score must be an integer from 1 to 5", code="invalid_score")
    if reasons is None:
        reasons = []
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise BadRequest("reasons must be a list of strings", code="invalid_reasons")
    codes = []
    for r in reasons:
        code = r if r in EVALUATION_REASONS else _BY_LABEL.get(r)
        if code is None:
            raise Unprocessable(
                f"unknown reason {r!r}; one of {', '.join(EVALUATION_REASONS)}",
                code="invalid_reasons",
            )
        codes.append(code)
    if is_bad_review(score) and not codes:
        raise Unprocessable("差评 (score 1–2) needs at least one reason", code="reason_required")
    if comment is None:
        comment = ""
    if not isinstance(comment, str) or len(comment) > 500:
        raise BadRequest("comment must be text of at most 500 characters", code="invalid_comment")
    return score, tuple(dict.fromkeys(codes)), comment

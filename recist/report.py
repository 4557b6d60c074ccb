"""A plain-text rendering of an assessment that a radiologist can check by eye."""

from __future__ import annotations

from recist.assess import Assessment
from recist.targets import mm, pct_text


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def render_text(assessment: Assessment) -> str:
    a = assessment
    lines = [
        f"Patient {a.patient}" + (f", reader {a.reader}" if a.reader else "")
        + f", criteria {a.criteria.value}",
        "",
    ]
    header = ("date", "day", "sum mm", "vs base", "vs nadir", "target", "non-target",
              "new", "overall")
    rows = [header]
    for tp in a.timepoints:
        rows.append((
            tp.date.isoformat() + (" (baseline)" if tp.is_baseline else ""),
            str(tp.days_from_start),
            "-" if tp.sum_tenth_mm is None else mm(tp.sum_tenth_mm),
            "-" if tp.is_baseline else pct_text(tp.change_from_baseline_pct_tenths),
            "-" if tp.is_baseline else pct_text(tp.change_from_nadir_pct_tenths),
            _cell(tp.target.value if tp.target else None),
            _cell(tp.non_target.value if tp.non_target else None),
            _cell(tp.new_lesions),
            _cell(tp.overall.value if tp.overall else None),
        ))
    widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    for tp in a.timepoints:
        lines.append(f"{tp.date.isoformat()}:")
        lines.extend(f"  - {reason}" for reason in tp.reasons)
    lines.append("")
    lines.append(f"Best overall response: {a.best.response.value} ({a.best.reason})")
    if a.progression:
        lines.append(
            f"Progression: {a.progression.date.isoformat()} "
            f"({', '.join(a.progression.causes)})"
        )
    else:
        lines.append("Progression: none")
    for outcome in a.ablation:
        ltp = outcome.ltp_date.isoformat() if outcome.ltp_date else "none"
        lines.append(
            f"Ablated {outcome.lesion_id}: technique efficacy "
            f"{outcome.technique_efficacy.value}, local tumour progression {ltp}"
        )
        lines.extend(f"  - {reason}" for reason in outcome.reasons)
    if a.warnings:
        lines.append("Warnings:")
        lines.extend(f"  - [{w.code}] {w.message}" for w in a.warnings)
    return "\n".join(lines) + "\n"

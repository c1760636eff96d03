"""The study scenarios a study runs: those of the workbook's ``scenarios`` sheet that the user chose, or one
per value of a one-parameter sweep (``--set SHEET:KEY:COLUMN --values ...``), checked before anything runs."""
from __future__ import annotations

from collections.abc import Iterable

from corridor.io.edits import Edit, Study, parse_change, study_scenario_raw
from corridor.io.issues import InputError, Issue, suggest
from corridor.io.reader import RawWorkbook
from corridor.io.validate import Inputs, validate


def sweep_study(spec: str, values: list) -> tuple[Study, dict, dict]:
    """A `Study` of one scenario per value of ``spec`` (``SHEET:KEY:COLUMN``), each one's sweep meta (label,
    x_value) and what is swept (``{"sheet", "key", "column", "values"}``, for the comparison).  Raises
    `InputError` when ``spec`` or a value cannot be read."""
    where = f"--set {spec}"
    parts = spec.split(":")
    if len(parts) < 3:
        raise InputError([Issue(where, None, "", "give SHEET:KEY:COLUMN, e.g. legs:FERRY-AKTAU-BAKU:capacity_t "
                                                 "or demand:*:quantity_t")])
    sheet, key, column = parts[0].strip().lower(), ":".join(parts[1:-1]).strip(), parts[-1].strip().lower()
    if sheet == "settings" and not column:
        column = "value"
    study, meta = Study(), {}
    for v in values:
        label = str(v).strip()
        if not label:
            continue
        change = parse_change(label)
        amount = change.amount
        if change.kind == "set":
            try:
                amount = float(label)
            except ValueError:
                raise InputError([Issue(where, None, "", f"--values: '{label}' is not a number, x1.2 / 1.2x, "
                                                         "+100 or +30%")]) from None
        name = f"{column or key}={label}"
        study.names.append(name)
        study.edits[name] = [Edit(0, name, sheet, key, "" if sheet == "settings" else column, label)]
        meta[name] = {"label": label, "x_value": float(amount)}
    if not study.names:
        raise InputError([Issue(where, None, "", "--values lists no value")])
    return study, meta, {"sheet": sheet, "key": key, "column": column or "value", "values": list(study.names)}


def check_sweep(raw: RawWorkbook, study: Study, spec: str) -> None:
    """Raise `InputError` when the swept sheet, key or column does not exist (every value would fail alike)."""
    try:
        study_scenario_raw(raw, study, study.names[0])
    except InputError as exc:
        raise InputError([Issue(f"--set {spec}", None, i.column, i.message.split(": ", 1)[-1])
                          for i in exc.issues]) from None


def issues_text(exc: InputError) -> str:
    """The first problems of a scenario that cannot run, on one line."""
    return "; ".join(str(i) for i in exc.issues[:5])


def choose(study: Study, names: Iterable[str] | None) -> list:
    """The declared scenario names asked for (all when ``names`` is None); unknown names are an input error."""
    if not study.names:
        raise InputError([Issue("scenarios", None, "", "the workbook declares no scenario: add rows to the "
                                                       "scenarios sheet (see docs/studies.md), or use "
                                                       "corridor sweep")])
    if names is None:
        return list(study.names)
    out, issues = [], []
    for n in names:
        found = study.find(n)
        if found is None:
            issues.append(Issue("scenarios", None, "scenario", f"--scenarios: '{n}' is not a scenario of the "
                                                               f"workbook" + suggest(n, study.names)))
        elif found not in out:
            out.append(found)
    if issues:
        raise InputError(issues)
    return out


def study_scenario_inputs(raw: RawWorkbook, study: Study, name: str) -> Inputs:
    """Validated `Inputs` of scenario ``name``.  Raises `InputError`; an error in a cell the scenario set says
    which scenarios row set it."""
    edited, touched = study_scenario_raw(raw, study, name)
    edited.sheets.pop("scenarios", None)  # checked with the base; a scenario does not carry the study
    try:
        return validate(edited)
    except InputError as exc:
        out = []
        for i in exc.issues:
            by = touched.get((i.sheet, i.row, i.column))
            msg = f"in scenario '{name}'" + (f" (set by scenarios row {by})" if by else "") + f": {i.message}"
            out.append(Issue(i.sheet, i.row, i.column, msg, i.severity))
        raise InputError(out) from None

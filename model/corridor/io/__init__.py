"""The workbook contract (shared/spec/workbook.md) and the files corridor writes; knows no model and no solver.

`schema` (one table of sheets and columns drives everything below), `guard` (the .xlsx package checked
before openpyxl opens it), `reader` (raw records with their Excel rows), `validate` and `cross_sheet` (every
bad cell at once), `edits` (the scenarios sheet's language), `template` (the empty workbook and the input
docs), `books` (workbooks from plain rows), `files` (atomic save, locks, safe names, text kept as text),
`writer` and `charts` (the solution workbook), `issues` (Issue, InputError).
"""

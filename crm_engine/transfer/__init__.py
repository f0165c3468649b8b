"""Import and export (A6).

Imports (`imports.py`) read CSV in any common encoding (UTF-8 first, else detected and reported),
Excel or a DataFrame (`source.py`), rename columns by a mapping, check every row set-based in
DuckDB by the single-record verbs' rules, read dates in one format per column (`dates.py`), and
insert the good ones in one transaction: an aborted import leaves nothing behind. The report lists
every rejected row with its line number and a reason in the session's language.
Exports (`exports.py`) write any list the user may see to CSV or Excel, are audited, and carry no
live formulas.
"""
from .exports import EXPORTABLE, Exports, neutralised
from .company import Imports   # imports.Imports plus users, teams and opportunities
from .imports import BLANK, BLANKS, CHUNK, FIELDS, ImportReport

__all__ = ["BLANK", "BLANKS", "CHUNK", "EXPORTABLE", "FIELDS", "ImportReport", "Imports", "Exports", "neutralised"]

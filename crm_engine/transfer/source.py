"""Where an import's rows come from: a CSV file (in whatever encoding), an Excel sheet or a DataFrame.

Every source lands in one temporary DuckDB table of text columns, `import_raw`, plus `line` (its
line in the file, the header being line 1). A CSV file is transcoded to UTF-8 in blocks and read by
DuckDB's own reader, an Excel sheet is streamed row by row: nothing holds the whole file in Python,
so a million rows stay well under a gigabyte.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import tempfile
import zipfile

import duckdb
import pandas as pd

from ..errors import InvalidInput

BLOCK = 1 << 20                       # bytes read (and transcoded) at a time
SAMPLE = 64 * 1024                    # bytes of non-ASCII lines the detector looks at
# The encodings a guess may choose from (besides UTF-8, always tried first): Chinese Excel saves CSV
# as GBK (GB18030 holds it), Taiwan and Hong Kong as Big5, Western-European Excel as cp1252. A wider
# list lets the detector pick exotic code pages for short files ("Sébastien" as cp775).
GUESSES = ("gb18030", "big5", "cp1252")
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
MAX_CHAOS = 0.2                       # charset-normalizer's "mess" above which a guess is not trusted
_NON_ASCII_LINES = re.compile(rb"[^\n]*[\x80-\xff][^\n]*\n?")


def stage(db, source, *, encoding: str | None = None, sheet=0) -> str | None:
    """Load `source` (a path, bytes or a DataFrame) into the temporary table `import_raw`; returns
    the encoding a CSV file was read in (None for Excel and DataFrames)."""
    if isinstance(source, pd.DataFrame):
        _stage_frame(db, source)
        return None
    with tempfile.TemporaryDirectory(prefix="crm-import-") as scratch:
        text = os.path.join(scratch, "rows.csv")
        if isinstance(source, (str, os.PathLike)):
            path = os.fspath(source)
            if not os.path.exists(path):
                raise InvalidInput("import.no_file", field="path", path=path)
            if path.lower().endswith((".xlsx", ".xlsm")):
                formulas = _excel_to_csv(path, sheet, text)
                used = None
            else:
                with open(path, "rb") as handle:
                    used = transcode(handle, encoding, text)
        elif isinstance(source, (bytes, bytearray)):
            used = transcode(io.BytesIO(bytes(source)), encoding, text)
        else:
            raise InvalidInput("import.bad_source", field="source")
        _stage_csv(db, text)
        if path_is_excel(source):
            _mark_formulas(db, formulas)
        return used


def path_is_excel(source) -> bool:
    return isinstance(source, (str, os.PathLike)) and os.fspath(source).lower().endswith((".xlsx", ".xlsm"))


def _mark_formulas(db, formulas: dict[int, str]) -> None:
    """import_raw.formula: the first column of the row holding a formula without a computed value
    ('' for none) — a row the checks reject, saying so, instead of reading it as empty."""
    if formulas:
        frame = pd.DataFrame({"line": list(formulas), "formula": list(formulas.values())})
        with db.registered("import_formulas", frame):
            db.execute("UPDATE import_raw SET formula = f.formula FROM import_formulas f WHERE import_raw.line = f.line")


def _stage_csv(db, path: str) -> None:
    if os.path.getsize(path) == 0:
        raise InvalidInput("import.bad_csv", field="source", detail="the file is empty")
    with open(path, encoding="utf-8", newline="") as handle:
        width = len(next(csv.reader(handle), []))
    try:
        # Every column as text (the checks decide what a value means); one comma-separated dialect
        # as Excel writes it; a short row is padded with empty values, a long one gets columns of
        # its own (flagged below). One thread: the parallel reader cannot pad rows with quoted
        # line breaks in them.
        db.con.execute("""CREATE OR REPLACE TEMP TABLE import_read AS SELECT * FROM read_csv(?, header = true,
                          all_varchar = true, delim = ',', quote = '"', escape = '"', null_padding = true,
                          parallel = false, strict_mode = true, sample_size = -1)""", [path])
    except duckdb.Error as error:
        detail = str(error).strip().splitlines()[0]
        raise InvalidInput("import.bad_csv", field="source", detail=detail) from None
    _number_lines(db, width)


def _stage_frame(db, frame: pd.DataFrame) -> None:
    frame = pd.DataFrame({str(c).strip(): _texts(frame[c]) for c in frame.columns})
    with db.registered("import_frame", frame):
        quoted = ['"' + c.replace('"', '""') + '"' for c in frame.columns]
        columns = ", ".join(f"{q}::VARCHAR AS {q}" for q in quoted) or "NULL AS nothing"
        db.execute(f"CREATE OR REPLACE TEMP TABLE import_read AS SELECT {columns} FROM import_frame")
    _number_lines(db)


def _number_lines(db, width: int | None = None) -> None:
    """import_raw: line, overfull (the row has more values than the header has columns: a
    rejected row, not values dropped without a word), formula (`_mark_formulas`), then the
    header's columns."""
    columns = [r[0] for r in db.rows("SELECT column_name FROM (DESCRIBE import_read)")]
    named, extra = columns[:width], columns[width:] if width is not None else []
    quoted = ['"' + c.replace('"', '""') + '"' for c in named]
    overfull = " OR ".join(f'"{c}" IS NOT NULL' for c in extra) or "false"
    # The table keeps the file's order (DuckDB preserves insertion order): its row ids count the rows.
    # (They start at 0, or at 2**55 inside a transaction, where they are the transaction's own rows.)
    db.execute(f"CREATE OR REPLACE TEMP TABLE import_raw AS SELECT rowid - (SELECT min(rowid) FROM import_read) "
               f"+ 2 AS line, {overfull} AS overfull, '' AS formula, {', '.join(quoted)} FROM import_read")
    db.execute("DROP TABLE import_read")


def _texts(column: pd.Series) -> pd.Series:
    """A DataFrame column as text, dates as `cell_text` writes Excel's."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.map(cell_text, na_action="ignore").astype("string")
    return column.map(lambda v: None if v is None or (not isinstance(v, str) and pd.isna(v)) else cell_text(v)) \
        .astype("string")


def cell_text(value) -> str:
    """A spreadsheet cell as text: a date at midnight (how Excel stores a date) as `YYYY-MM-DD`, a
    date with a time of day as `YYYY-MM-DD HH:MM:SS` (which a date field then rejects, saying so),
    a whole number without `.0`."""
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(path: str) -> bool:
    """Whether any sheet of the workbook holds a formula (a scan of its XML, cheaper than a
    second parse of every cell)."""
    try:
        with zipfile.ZipFile(path) as book:
            for member in book.namelist():
                if member.startswith("xl/worksheets/") and member.endswith(".xml"):
                    with book.open(member) as handle:
                        tail = b""
                        while block := handle.read(BLOCK):
                            if _FORMULA_TAG.search(tail + block):
                                return True
                            tail = block[-16:]
    except (zipfile.BadZipFile, OSError):
        return False   # openpyxl then says what is wrong with the file
    return False


def _excel_to_csv(path: str, sheet, out: str) -> dict[int, str]:
    """The sheet as CSV in `out`; returns {line: header of the first cell} for the rows holding a
    formula without a computed value (a file written by a program, not saved by Excel: `data_only`
    reads such a cell as empty, which would silently change the row)."""
    import openpyxl  # only an Excel import needs it
    try:
        # read-only streams the sheet; data_only gives what Excel shows for a formula, never the formula
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise InvalidInput("import.bad_excel", field="path", detail=str(error)) from None
    try:
        names = book.sheetnames
        name = names[sheet] if isinstance(sheet, int) and -len(names) <= sheet < len(names) else sheet
        if name not in names:
            raise InvalidInput("import.bad_excel", field="sheet", detail=f"no sheet {sheet!r}")
        formulas_book = openpyxl.load_workbook(path, read_only=True) if _has_formulas(path) else None
        written = {}
        try:
            rows = book[name].iter_rows(values_only=True)
            shown = formulas_book[name].iter_rows(values_only=True) if formulas_book else None
            with open(out, "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                width, header, line = None, [], 0
                for row in rows:
                    raw = next(shown, ()) if shown is not None else ()
                    cells = ["" if v is None else cell_text(v) for v in row]
                    # a formula cell whose computed value is missing: None here, "=…" in the formula view
                    missing = [i for i, (v, f) in enumerate(zip(row, raw))
                               if v is None and isinstance(f, str) and f.startswith("=")]
                    while cells and not cells[-1]:
                        cells.pop()                # empty cells after the last value
                    if width is None:          # the header row: its last named column ends the table
                        width, header = len(cells), cells
                    elif not cells and not missing:
                        continue               # blank rows Excel keeps after the data
                    cells = cells or [""]      # a row of formulas only: one empty value, not a blank line
                    writer.writerow(cells)      # cells beyond the header: a rejected row (overfull)
                    line += 1
                    if missing and line > 1:
                        first = missing[0]
                        written[line] = header[first] if first < len(header) and header[first] else str(first + 1)
        finally:
            if formulas_book is not None:
                formulas_book.close()
        return written
    finally:
        book.close()


def transcode(handle, encoding: str | None, out: str) -> str:
    """Copy the bytes of `handle` to `out` as UTF-8; returns the encoding they were read in.

    `encoding` if given; else a byte-order mark's; else UTF-8 if every byte fits; else the
    detector's guess among `GUESSES`, refused when it is unsure."""
    start = handle.read(4)
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InvalidInput("import.unknown_encoding", field="encoding", encoding=encoding) from None
    else:
        encoding = next((name for bom, name in BOMS if start.startswith(bom)), None)
    if encoding is None:
        if _copy(handle, start, "utf-8", out):
            return "utf-8"
        encoding = guess(handle)
    if not _copy(handle, start, encoding, out):
        raise InvalidInput("import.encoding", field="encoding", encoding=encoding)
    return encoding


def _copy(handle, start: bytes, encoding: str, out: str) -> bool:
    """Decode the whole file in blocks into `out`; False when a byte does not fit `encoding`."""
    handle.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with open(out, "w", encoding="utf-8", newline="") as target:
            while block := handle.read(BLOCK):
                target.write(decoder.decode(block))
            target.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        return False
    return True


def guess(handle) -> str:
    """The encoding of a file that is not UTF-8, from its lines with non-ASCII bytes (up to `SAMPLE`)."""
    import charset_normalizer  # only a file in a legacy encoding needs the detector
    handle.seek(0)
    sample, tail = bytearray(), b""
    while len(sample) < SAMPLE and (block := handle.read(BLOCK)):
        block = tail + block
        cut = block.rfind(b"\n") + 1 or len(block)
        sample += b"".join(_NON_ASCII_LINES.findall(block[:cut]))
        tail = block[cut:]
    sample += tail
    matches = [m for m in charset_normalizer.from_bytes(bytes(sample[:SAMPLE]), cp_isolation=list(GUESSES),
                                                        threshold=MAX_CHAOS)]
    if not matches:
        raise InvalidInput("import.encoding_unknown", field="encoding", tried="UTF-8, " + ", ".join(GUESSES))
    best = min(matches, key=lambda m: (m.chaos, -m.coherence))
    rivals = [m.encoding for m in matches if m.encoding != best.encoding and str(m) != str(best)
              and m.chaos - best.chaos < 0.1 and best.coherence - m.coherence < 0.1]
    if rivals:
        raise InvalidInput("import.encoding_uncertain", field="encoding",
                           candidates=", ".join([best.encoding, *rivals]))
    return best.encoding

"""Candidates from an uploaded CSV or XLSX file, validated row by row.

The first row names the columns: `name` (required), `email`, `phone`, `timezone`, in any order, in English or
Chinese (姓名, 邮箱, 手机, 时区). Every other row is one candidate. Each row is checked on its own: good rows come
back as contacts, bad rows as (row number, reason), so HR can fix only those.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from rooms.errors import InvalidInput
from rooms.hiring import CandidateContact

MAX_ROWS = 5000
COLUMNS = {
    "name": "name",
    "姓名": "name",
    "email": "email",
    "e-mail": "email",
    "邮箱": "email",
    "电子邮件": "email",
    "phone": "phone",
    "mobile": "phone",
    "手机": "phone",
    "电话": "phone",
    "手机号": "phone",
    "timezone": "timezone",
    "time zone": "timezone",
    "时区": "timezone",
}


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    error: str

    def to_public(self) -> dict[str, Any]:
        return {"row": self.row, "error": self.error}


@dataclass(frozen=True, slots=True)
class ImportResult:
    contacts: list[tuple[int, CandidateContact]]
    errors: list[RowError]


def read_upload(filename: str, payload: bytes) -> ImportResult:
    """Parse a .csv or .xlsx upload; InvalidInput when the file as a whole cannot be read."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        rows = _xlsx_rows(payload)
    elif lower.endswith((".csv", ".txt")):
        rows = _csv_rows(payload)
    else:
        raise InvalidInput("upload a .csv or .xlsx file")
    return validate_rows(rows)


def validate_rows(rows: Iterable[list[Any]]) -> ImportResult:
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        raise InvalidInput("the file is empty")
    columns = [COLUMNS.get(str(h or "").strip().lower()) for h in header]
    if "name" not in columns:
        raise InvalidInput("the first row must name the columns, with at least 'name' (姓名)")
    contacts: list[tuple[int, CandidateContact]] = []
    errors: list[RowError] = []
    seen_emails: dict[str, int] = {}
    for number, row in enumerate(iterator, start=2):
        if number - 1 > MAX_ROWS:
            raise InvalidInput(f"at most {MAX_ROWS} candidates per file")
        cells = {col: _cell(row[i]) for i, col in enumerate(columns) if col is not None and i < len(row)}
        if not any(cells.values()):
            continue  # blank lines are not candidates
        try:
            contact = CandidateContact.from_json(cells)
        except InvalidInput as exc:
            errors.append(RowError(number, str(exc)))
            continue
        if contact.email is not None:
            key = contact.email.lower()
            if key in seen_emails:
                errors.append(RowError(number, f"the same email as row {seen_emails[key]}"))
                continue
            seen_emails[key] = number
        contacts.append((number, contact))
    return ImportResult(contacts, errors)


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into a spreadsheet arrives as a number
    text = str(value).strip()
    return text or None


def _csv_rows(payload: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GB18030 by default
        try:
            text = payload.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput("the CSV file is neither UTF-8 nor GB18030 text")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return iter(list(csv.reader(io.StringIO(text), dialect)))
    except csv.Error as exc:
        raise InvalidInput(f"the CSV file cannot be read: {exc}") from None


def _xlsx_rows(payload: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook  # only uploads need it

    try:
        workbook = load_workbook(io.BytesIO(payload), read_only=True, data_only=True)
    except Exception as exc:  # any malformed upload (bad zip, missing parts, bad XML) is the sender's error
        raise InvalidInput(f"the XLSX file cannot be read: {exc}") from None
    try:
        sheet = workbook.worksheets[0]
        return iter([list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)])
    finally:
        workbook.close()

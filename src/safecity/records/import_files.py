"""Import files: CSV (a header row), JSON (one array of objects) and JSON Lines read as
(line number, row) pairs; rejected rows written back out with their line and reason."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from safecity.records.imports import ImportResult

# --- Reading --------------------------------------------------------------------------------


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def read_file(path: Path, *, fmt: str = "") -> tuple[Iterator[tuple[int, dict[str, Any]]], int]:
    """(line number, row) pairs of a CSV (header row), JSON (an array of objects) or JSON
    Lines file, and how many rows it has (for the progress bar)."""
    fmt = fmt or path.suffix.lower().lstrip(".")
    if fmt == "csv":
        total = max(0, _count_lines(path) - 1)
        return _csv_rows(path.open(encoding="utf-8-sig", newline="")), total
    if fmt in {"jsonl", "ndjson"}:
        return _jsonl_rows(path.open(encoding="utf-8")), _count_lines(path)
    if fmt == "json":
        items = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(items, list):
            raise ValueError("a JSON import file holds one array of objects")
        return ((i, item) for i, item in enumerate(items, start=1)), len(items)
    raise ValueError(f"unknown file format {fmt!r}: use .csv, .json or .jsonl")


def _csv_rows(handle: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    with handle:
        reader = csv.DictReader(handle)
        for row in reader:
            yield reader.line_num, row


def _jsonl_rows(handle: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    with handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    yield number, json.loads(line)
                except ValueError:
                    yield number, {"__invalid__": line[:200]}


def rows_from_text(text: str, *, fmt: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, row) pairs of an uploaded file's text (``fmt``: csv, json, jsonl)."""
    if fmt == "csv":
        return _csv_rows(io.StringIO(text))
    if fmt in {"jsonl", "ndjson"}:
        return _jsonl_rows(io.StringIO(text))
    if fmt == "json":
        try:
            items = json.loads(text)
        except ValueError:
            raise ValueError("the file is not valid JSON") from None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ValueError("a JSON import file holds one array of objects")
        return iter(list(enumerate(items, start=1)))
    raise ValueError(f"unknown file format {fmt!r}: use .csv, .json or .jsonl")


def write_rejects(result: ImportResult, path: Path) -> None:
    """Every rejected row (and every warning) with its line and reason, as CSV."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "severity", "code", "message", "row"])
        for item in sorted([*result.rejects, *result.warnings], key=lambda r: r.line):
            writer.writerow(
                [
                    item.line,
                    item.severity,
                    item.code,
                    item.message,
                    json.dumps(item.row, ensure_ascii=False, default=str),
                ]
            )


def parse_column_map(text: str) -> dict[str, str]:
    """``"Họ tên=full_name,Số CCCD=cccd"`` → ``{"Họ tên": "full_name", "Số CCCD": "cccd"}``."""
    mapping: dict[str, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        column, sep, target = item.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise ValueError(f"{item.strip()!r} is not column=field")
        mapping[column.strip()] = target.strip()
    return mapping

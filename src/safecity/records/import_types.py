"""What an import reports (``records.imports``): its rejected rows, its progress, its result."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

KINDS = ("person", "vehicle", "phone", "case")


@dataclass(frozen=True)
class Reject:
    line: int
    code: str
    message: str
    row: dict[str, Any]
    severity: str = "rejected"  # or "warning": the row went in
    column: str = ""


@dataclass
class Progress:
    done: int
    total: int | None
    created: int
    updated: int
    unchanged: int
    rejected: int
    elapsed: float

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        if not self.total or not self.rate:
            return None
        return max(0.0, (self.total - self.done) / self.rate)


@dataclass
class ImportResult:
    kind: str
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[Reject] = field(default_factory=list)
    seconds: float = 0.0
    run_id: int | None = None
    entity_ids: list[int] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def fingerprint(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()

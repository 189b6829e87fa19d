from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "The integrated database. `records import FILE --kind person --source NAME`: import "
        "a CSV, JSON or JSON Lines file (rejected rows go to FILE.rejects.csv, with line and "
        "reason); `records duplicates`: find possible duplicate persons (and merge those with "
        "the same valid CCCD); `records reindex`: rebuild the search index."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="Import a file of persons, vehicles, phones or cases")
        load.add_argument("file", type=Path)
        load.add_argument("--kind", required=True, choices=["person", "vehicle", "phone", "case"])
        load.add_argument("--source", required=True, help="Where the data comes from")
        load.add_argument("--format", default="", choices=["", "csv", "json", "jsonl"])
        load.add_argument(
            "--map", default="", help='Other column names: "Họ tên=full_name,Số CCCD=cccd"'
        )
        load.add_argument("--rejects", type=Path, help="Where to write rejected rows (CSV)")
        load.add_argument("--batch", type=int, default=0, help="Rows per transaction")
        load.add_argument("--actor", default="", help="Username recorded as the importer")
        dupes = sub.add_parser("duplicates", help="Find possible duplicate persons")
        dupes.add_argument("--no-auto-merge", action="store_true")
        sub.add_parser("reindex", help="Rebuild the search index")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            self._import(options)
        elif action == "duplicates":
            self._duplicates(options)
        else:
            from safecity.records.backends import backend_for

            backend = backend_for()
            backend.ensure_schema()
            backend.rebuild()
            self.stdout.write(f"Search index rebuilt ({backend.name}).")

    def _progress(self, progress: Any) -> None:
        total = progress.total or 0
        share = progress.done / total if total else 0
        bar = "#" * int(share * 30)
        eta = f"{progress.eta:,.0f} s" if progress.eta is not None else "?"
        line = (
            f"[{bar:<30}] {share:5.1%} {progress.done:,}/{total:,} rows · "
            f"{progress.rate:,.0f} rows/s · ETA {eta} · rejected {progress.rejected:,}"
        )
        if self.stdout.isatty():
            self.stdout.write("\r" + line, ending="")
        else:
            self.stdout.write(line)
        self.stdout.flush()

    def _import(self, options: dict[str, Any]) -> None:
        from safecity.accounts.models import User
        from safecity.records import imports

        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"no user {options['actor']!r}")
        try:
            column_map = imports.parse_column_map(options["map"])
            result = imports.import_file(
                path=path,
                kind=options["kind"],
                source=options["source"],
                actor=actor,
                fmt=options["format"],
                column_map=column_map,
                batch_size=options["batch"] or None,
                progress=self._progress,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        if self.stdout.isatty():
            self.stdout.write("")
        self.stdout.write(
            f"{result.rows:,} rows in {result.seconds:.1f} s ({result.rows_per_second:,.0f} "
            f"rows/s): {result.created:,} created, {result.updated:,} updated, "
            f"{result.unchanged:,} unchanged, {result.rejected:,} rejected, "
            f"{len(result.warnings):,} warnings"
        )
        if result.rejects or result.warnings:
            target = options["rejects"] or path.with_name(path.name + ".rejects.csv")
            imports.write_rejects(result, target)
            self.stdout.write(f"Rejected rows and warnings, with line and reason: {target}")
            for item in result.rejects[:5]:
                self.stdout.write(f"  line {item.line}: {item.code}: {item.message}")
        if result.rejects:
            sys.stdout.flush()

    def _duplicates(self, options: dict[str, Any]) -> None:
        from safecity.records import resolution

        found = resolution.duplicates_find()
        self.stdout.write(
            f"{found.compared:,} pairs compared, {found.candidates:,} possible duplicates "
            f"({found.new:,} new)"
        )
        for block in found.skipped_blocks[:10]:
            self.stdout.write(f"  skipped block {block}")
        if not options["no_auto_merge"]:
            merges = resolution.duplicates_auto_merge()
            self.stdout.write(f"{len(merges):,} merged automatically (same valid CCCD)")

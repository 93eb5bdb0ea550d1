"""`fangkong purge_files [--days N]`: delete kept uploads and export files of finished
jobs older than N days (FANGKONG_FILE_RETENTION_DAYS by default). Runs nightly anyway."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fangkong.core.retention import purge_files


class Command(BaseCommand):
    help = "Delete uploaded ledgers and export files older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        purged = purge_files(days=options["days"])
        self.stdout.write(f"{purged.files} files of {purged.jobs} jobs deleted")

"""`fangkong demo`: load the demo district, once, and every module's part of it.

`make run` calls it every time; a district that already has people is left alone, so
the second run keeps the data of the first. `--persons 2000000` is the benchmark size.

Each installed app may add its part in a `demo` module with
`load(*, district: str, seed: int, say: Callable[[str], None]) -> None`, called after
the registry's part in the order of INSTALLED_APPS; it must do nothing when its part is
already there, so that a module added later fills in an existing demo district.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.registry.demo import DEFAULT_DISTRICT, DEFAULT_PERSONS, demo_load


class Command(BaseCommand):
    help = "Load the demo district (real division codes, synthetic people) unless it is loaded."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--persons",
            type=int,
            default=DEFAULT_PERSONS,
            help=f"number of people (default {DEFAULT_PERSONS:,})",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="random seed; the same seed on the same day gives the same data",
        )
        parser.add_argument(
            "--district",
            default=DEFAULT_DISTRICT,
            help=f"6-digit Henan district code (default {DEFAULT_DISTRICT})",
        )
        parser.add_argument(
            "--registry-only",
            action="store_true",
            help="load people and places only, not the other modules' parts",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["persons"] < 1:
            raise CommandError("--persons must be at least 1.")

        def say(message: str) -> None:
            self.stdout.write(message)
            self.stdout.flush()  # progress shows even when the output goes to a file

        try:
            result = demo_load(
                persons=options["persons"],
                seed=options["seed"],
                district=options["district"],
                progress=say,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if result.already_loaded:
            self.stdout.write(f"The demo district {result.district} already has people.")
        else:
            self._report(result)
        if options["registry_only"]:
            return
        for config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            if hasattr(module, "load") and config.name != "fangkong.registry":
                module.load(district=result.district, seed=options["seed"], say=say)

    def _report(self, result: Any) -> None:
        counts = result.counts
        self.stdout.write(
            f"Loaded {result.district} in {result.seconds:.1f} s: {counts['grids']} grids, "
            f"{counts['compounds']:,} compounds, {counts['buildings']:,} buildings, "
            f"{counts['units']:,} units, {counts['households']:,} households "
            f"({counts['empty_households']:,} empty), {counts['persons']:,} persons."
        )
        if result.accounts_created:
            self.stdout.write(f"Demo accounts created: {', '.join(result.accounts_created)}")
        self.stdout.write("List the demo accounts with `.venv/bin/fangkong demo_accounts`.")

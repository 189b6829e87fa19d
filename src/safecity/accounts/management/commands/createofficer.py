from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safecity.accounts.models import Clearance
from safecity.accounts.roles import ROLES_BY_SLUG
from safecity.core.errors import ApplicationError

CLEARANCES = {"thuong": 0, "mat": 1, "toi-mat": 2, "tuyet-mat": 3}


class Command(BaseCommand):
    help = "Create an officer account (asks for the password unless --password-stdin)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--unit", required=True, help="Unit code, e.g. CA79-TTCH")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--badge", default=None)
        parser.add_argument("--rank", default="")
        parser.add_argument(
            "--role",
            action="append",
            default=[],
            choices=sorted(ROLES_BY_SLUG),
            help="Repeat for several roles",
        )
        parser.add_argument("--clearance", choices=sorted(CLEARANCES), default="thuong")
        parser.add_argument(
            "--staff", action="store_true", help="May open /admin/ (system administrators)"
        )
        parser.add_argument("--password-stdin", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        import sys

        from safecity.accounts import services
        from safecity.accounts.models import Unit, User

        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"no unit with code {options['unit']!r}")
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the passwords differ")
        try:
            validate_password(password, User(username=options["username"]))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        try:
            user = services.officer_create(
                username=options["username"],
                password=password,
                unit=unit,
                full_name=options["full_name"],
                badge_number=options["badge"],
                rank=options["rank"],
                roles=options["role"],
                clearance=Clearance(CLEARANCES[options["clearance"]]),
                is_staff=options["staff"],
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(self.style.SUCCESS(f"officer {user.username} created in {unit.name}"))

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safecity.core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "API tokens. `token create --user USERNAME` prints a new token for that officer, "
        "alone on its line (it is shown only once); `token create --camera CODE` prints a new "
        "device key for that camera alone. `token revoke --prefix sct_…` (or `scd_…`)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Make a token and print it")
        whom = create.add_mutually_exclusive_group(required=True)
        whom.add_argument("--user", help="The officer's username")
        whom.add_argument("--camera", help="A camera's code: a device key for that camera")
        create.add_argument("--name", default="cli", help="A label for the token")
        create.add_argument(
            "--days", type=int, default=None, help="Lifetime in days (default: SAFECITY_TOKEN_DAYS)"
        )
        revoke = sub.add_parser("revoke", help="Revoke tokens by their shown prefix")
        revoke.add_argument("--prefix", required=True)
        listing = sub.add_parser("list", help="List a user's tokens")
        listing.add_argument("--user", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        from safecity.accounts import services
        from safecity.accounts.models import ApiToken, DeviceKey, User

        if options["action"] == "create" and options.get("camera"):
            self._camera_key(options)
        elif options["action"] == "create":
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']!r}")
            try:
                _token, raw = services.token_create(
                    user=user, name=options["name"], days=options["days"], actor=None
                )
            except ApplicationError as exc:
                raise CommandError(str(exc.message)) from exc
            self.stdout.write(raw)
        elif options["action"] == "revoke" and options["prefix"].startswith(services.DEVICE_PREFIX):
            keys = DeviceKey.objects.filter(prefix=options["prefix"][:10])
            if not keys:
                raise CommandError("no device key with that prefix")
            for key in keys:
                services.device_key_revoke(key=key, actor=None)
            self.stdout.write(f"revoked {len(keys)} device key(s)")
        elif options["action"] == "revoke":
            tokens = ApiToken.objects.filter(prefix=options["prefix"][:10])
            if not tokens:
                raise CommandError("no token with that prefix")
            for token in tokens:
                services.token_revoke(token=token, actor=None)
            self.stdout.write(f"revoked {len(tokens)} token(s)")
        else:
            for token in ApiToken.objects.filter(user__username=options["user"]):
                state = (
                    "revoked"
                    if token.revoked_at
                    else ("usable" if token.is_usable() else "expired")
                )
                self.stdout.write(
                    f"{token.prefix}…  {token.name:<16} {state:<8} "
                    f"expires {token.expires_at or 'never'}"
                )

    def _camera_key(self, options: dict[str, Any]) -> None:
        from safecity.cameras.models import Camera
        from safecity.cameras.services import camera_key_issue

        camera = Camera.objects.select_related("unit").filter(code=options["camera"]).first()
        if camera is None:
            raise CommandError(f"no camera {options['camera']!r}")
        raw = camera_key_issue(camera=camera, days=options["days"], actor=None)
        self.stdout.write(raw)

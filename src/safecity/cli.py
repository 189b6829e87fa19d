"""The ``safecity`` command: Django's manage.py with SafeCity's settings.

``safecity up``, ``safecity serve``, ``safecity demo``, ``safecity worker``,
``safecity audit verify``, ``safecity token create --user U``, ``safecity createofficer`` and
every Django command (``safecity migrate``, ``safecity shell`` …).
"""

from __future__ import annotations

import os
import sys

# Commands spelt with a hyphen: Django names a command after its module, which cannot hold one.
ALIASES = {"ingest-mqtt": "ingest_mqtt"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safecity.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        args[0] = ALIASES.get(args[0], args[0])
    execute_from_command_line(["safecity", *args])


if __name__ == "__main__":
    main()

"""The ``safecity`` command: Django's manage.py with SafeCity's settings.

``safecity up``, ``safecity serve``, ``safecity demo``, ``safecity worker``,
``safecity audit verify``, ``safecity token create --user U``, ``safecity createofficer`` and
every Django command (``safecity migrate``, ``safecity shell`` …).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safecity.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["safecity", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()

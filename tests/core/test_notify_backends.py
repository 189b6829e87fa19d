"""Notifications go out through one backend per channel: the file outbox by default, any class
named by its dotted path otherwise, and through the background worker when queued."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from safecity.core import notify
from safecity.core.tasks import notify_later


class RecordingBackend:
    """A stand-in SMS gateway, plugged in by its dotted path like a real one would be."""

    sent: ClassVar[list[notify.Message]] = []

    def send(self, message: notify.Message) -> str:
        self.sent.append(message)
        return f"gw-{len(self.sent)}"


@pytest.fixture
def recording_sms(settings: Any) -> type[RecordingBackend]:
    RecordingBackend.sent = []
    settings.SAFECITY_NOTIFY_BACKENDS = {
        **django_settings.SAFECITY_NOTIFY_BACKENDS,
        "sms": f"{__name__}.RecordingBackend",
    }
    return RecordingBackend


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- The file outbox ------------------------------------------------------------------------------


def test_it_writes_one_json_line_per_message_into_a_file_per_channel() -> None:
    outbox = Path(django_settings.NOTIFY_OUTBOX)

    first = notify.send(notify.Message(channel="sms", to="+84901234567", body="Mã theo dõi: A1"))
    notify.send(notify.Message(channel="sms", to="+84907654321", body="Đã tiếp nhận"))
    notify.send(
        notify.Message(channel="email", to="lan@example.vn", subject="Hồ sơ", body="Đã nhận")
    )

    assert first.startswith("file:sms:")
    assert sorted(p.name for p in outbox.iterdir()) == ["email.jsonl", "sms.jsonl"]
    sms = _lines(outbox / "sms.jsonl")
    assert [m["to"] for m in sms] == ["+84901234567", "+84907654321"]
    assert sms[0]["channel"] == "sms"
    assert sms[0]["body"] == "Mã theo dõi: A1"
    assert sms[0]["sent_at"]
    assert "Đã tiếp nhận" in (outbox / "sms.jsonl").read_text(encoding="utf-8")  # not \\u escapes
    assert [m["subject"] for m in notify.outbox("email")] == ["Hồ sơ"]


def test_it_writes_utf8_whatever_the_process_locale(tmp_path: Path) -> None:
    """A server started with an ASCII locale must still write Vietnamese into the outbox."""
    script = (
        "import sys, django; django.setup()\n"
        "from pathlib import Path\n"
        "from safecity.core import notify\n"
        "notify.FileBackend(Path(sys.argv[1])).send(\n"
        f"    notify.Message(channel='sms', to='+84901234567', body={ascii('Đã tiếp nhận')}))\n"
    )  # the script itself stays ASCII: the child cannot even decode its command line otherwise
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LC_ALL": "C",
        "PYTHONUTF8": "0",
        "DJANGO_SETTINGS_MODULE": "safecity.settings",
        "SAFECITY_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", script, str(tmp_path / "outbox")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "Đã tiếp nhận" in (tmp_path / "outbox" / "sms.jsonl").read_text(encoding="utf-8")


def test_it_reads_an_empty_outbox_for_a_channel_never_used() -> None:
    assert notify.outbox("push") == []


# --- Channels and backends --------------------------------------------------------------------


def test_it_rejects_an_unknown_channel() -> None:
    with pytest.raises(ValueError, match="fax"):
        notify.backend_for("fax")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="fax"):
        notify.send(notify.Message(channel="fax", to="+84901234567", body="x"))  # type: ignore[arg-type]

    assert not Path(django_settings.NOTIFY_OUTBOX).exists()


def test_it_uses_a_backend_configured_by_dotted_path(
    recording_sms: type[RecordingBackend],
) -> None:
    message = notify.Message(channel="sms", to="+84901234567", body="Xe đã tới")

    gateway_id = notify.send(message)

    assert gateway_id == "gw-1"
    assert recording_sms.sent == [message]
    assert notify.outbox("sms") == []  # the file backend was not used for SMS
    notify.send(notify.Message(channel="email", to="lan@example.vn", body="x"))
    assert len(notify.outbox("email")) == 1  # other channels keep their own backend


# --- Through the background worker --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_delivers_a_queued_notification_when_the_worker_runs() -> None:
    """GIVEN a notification queued for later
    WHEN nothing has run yet, it has not been sent
    THEN one batch of the worker sends it into the outbox and marks the job done."""
    notify_later(notify.Message(channel="sms", to="+84901234567", body="Mã theo dõi: B2"))

    job = DBTaskResult.objects.get()
    assert job.status == "READY"
    assert notify.outbox("sms") == []

    call_command("worker", "--batch")

    job.refresh_from_db()
    assert job.status == "SUCCESSFUL"
    assert [(m["to"], m["body"]) for m in notify.outbox("sms")] == [
        ("+84901234567", "Mã theo dõi: B2")
    ]


@pytest.mark.django_db
def test_it_refuses_to_queue_a_notification_for_an_unknown_channel() -> None:
    """A typo in a channel fails where it was written, not later in the worker."""
    with pytest.raises(ValueError, match="fax"):
        notify_later(notify.Message(channel="fax", to="+84901234567", body="x"))  # type: ignore[arg-type]

    assert not DBTaskResult.objects.exists()

"""Shared pieces of the HTTP benchmarks (``intake.py``, ``intake_crash.py``).

- ``Server``: a server subprocess on 127.0.0.1 with its own log, killed at the end whatever
  happens (``with Server(...)``), or on purpose with SIGKILL;
- SafeCity prepared in a temporary ``SAFECITY_DATA_DIR`` (``safecity up --no-serve``);
- the baseline: a bare Django project, generated into a temporary folder, whose one view
  inserts one row (raw INSERT in its own transaction) into SQLite in WAL mode, served by the
  same uvicorn with the same options as ``safecity serve``;
- a small asyncio HTTP/1.1 keep-alive client. It costs ~0.15 ms of CPU per request, against
  ~1.5 ms for httpx on this machine: with httpx the client, not the baseline server, would be
  the bottleneck on a 2-core machine and the ratio would flatter SafeCity;
- random report points inside the province's wards, checked against the ward boundaries.

Nothing here sends anything anywhere but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import http.cookiejar
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parents[1]
SAFECITY = [sys.executable, "-m", "safecity"]
# The same uvicorn options as ``safecity serve`` (core/management/commands/serve.py).
UVICORN_OPTIONS = ["--proxy-headers", "--lifespan", "off", "--log-level", "info"]


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of ``values``; ``None`` when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def machine_busy(seconds: float = 1.0) -> float:
    """Share of the machine's CPU time that was busy over ``seconds`` (all processes): the
    benches run on a shared 2-core machine, and their figures mean little when this is high."""

    def snap() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return values[3] + values[4], sum(values)

    try:
        idle0, total0 = snap()
        time.sleep(seconds)
        idle1, total1 = snap()
    except (OSError, ValueError, IndexError):
        return -1.0
    return round(1 - (idle1 - idle0) / max(1, total1 - total0), 2)


def run_async(coro: Any) -> Any:
    """Run ``coro`` on uvloop when it is there (uvicorn[standard] brings it), else asyncio."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        return asyncio.run(coro)
    return uvloop.run(coro)


# --- Servers -------------------------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT is fine
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads, live and ended) from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """A server subprocess listening on 127.0.0.1:``port``, in its own session. Start it with
    ``running(server)``, which stops it (SIGTERM, then SIGKILL) on leaving, also on error."""

    def __init__(
        self, name: str, command: list[str], *, port: int, env: dict[str, str], log: Path
    ) -> None:
        self.name, self.command, self.port, self.env, self.log_path = name, command, port, env, log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, *, ready_path: str = "/healthz", timeout: float = 60.0) -> Server:
        if not port_is_free(self.port):
            raise RuntimeError(f"port {self.port} is in use; free it or pick another (8780-8799)")
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                self.command,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", ready_path)
                conn.getresponse().read()
                conn.close()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer in {timeout:.0f} s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what was not written is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.pid)


@contextlib.contextmanager
def running(server: Server, *, ready_path: str = "/healthz") -> Any:
    """Start ``server``; stop it on leaving, also when starting it or the body fails."""
    try:
        server.start(ready_path=ready_path)
        yield server
    finally:
        server.stop()


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFECITY_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)  # embedded defaults: SQLite, in-memory channel layer
    src = str(REPO / "src")
    env["PYTHONPATH"] = src + os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else src
    env.update(extra)
    return env


# The duplicate rules are "effectively off": only category "other" has a rule, 1 m / 1 min, and
# the benches post "other" at random points, so the duplicate search still runs on every report
# but (almost) never links one.
DUPLICATE_RULES = "other=1/1"
CATEGORY = "other"


def safecity_env(data_dir: Path) -> dict[str, str]:
    return base_env(
        SAFECITY_DATA_DIR=str(data_dir),
        SAFECITY_RATELIMIT_ENABLED="false",
        SAFECITY_DUPLICATE_RULES=DUPLICATE_RULES,
        SAFECITY_LOG_LEVEL="WARNING",
    )


def prepare_safecity(data_dir: Path) -> None:
    """Migrate and load the demo data (users, units, wards) into ``data_dir``."""
    subprocess.run(  # noqa: S603 - fixed argv
        [*SAFECITY, "up", "--no-serve"],
        env=safecity_env(data_dir),
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=data_dir,
    )


def safecity_server(data_dir: Path, port: int) -> Server:
    return Server(
        "SafeCity",
        [*SAFECITY, "serve", "--host", HOST, "--port", str(port), "--workers", "1"],
        port=port,
        env=safecity_env(data_dir),
        log=data_dir / "server.log",
    )


def safecity_db(data_dir: Path) -> Path:
    return data_dir / "safecity.sqlite3"


# --- The baseline: a bare Django project ---------------------------------------------------------

BASELINE_NAME = "bare Django view: one raw INSERT in its own transaction (SQLite WAL)"
BASELINE_PATH = "/reports"
BASELINE_TABLE = "bare_report"

_BASELINE_FILES = {
    "settings.py": """
        import os

        SECRET_KEY = "bench-only-not-a-secret"
        DEBUG = False
        ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
        INSTALLED_APPS = []
        MIDDLEWARE = []
        ROOT_URLCONF = "bare_intake.urls"
        USE_TZ = True
        # The same SQLite settings as SafeCity's (settings.py): WAL, synchronous=NORMAL,
        # IMMEDIATE transactions, 20 s busy timeout.
        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": os.environ["BARE_DB"],
                "OPTIONS": {
                    "transaction_mode": "IMMEDIATE",
                    "timeout": 20,
                    "init_command": (
                        "PRAGMA journal_mode=WAL;"
                        "PRAGMA synchronous=NORMAL;"
                        "PRAGMA foreign_keys=ON;"
                        "PRAGMA busy_timeout=20000;"
                    ),
                },
            }
        }
    """,
    "urls.py": """
        from django.urls import path

        from bare_intake import views

        urlpatterns = [path("reports", views.create), path("healthz", views.health)]
    """,
    "views.py": """
        import json
        import time

        from django.db import connection, transaction
        from django.http import HttpResponse, JsonResponse
        from django.views.decorators.csrf import csrf_exempt


        def health(request):
            return HttpResponse("ok")


        @csrf_exempt
        def create(request):
            if request.method != "POST":
                return JsonResponse({"error": "POST only"}, status=405)
            try:
                json.loads(request.body)
            except ValueError:
                return JsonResponse({"error": "not JSON"}, status=400)
            key = request.headers.get("Idempotency-Key", "")
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO bare_report (idem_key, body, received_at) VALUES (%s, %s, %s)",
                    [key, request.body.decode(), time.time()],
                )
                row_id = cursor.lastrowid
            return JsonResponse({"id": row_id}, status=201)
    """,
    "asgi.py": """
        import os

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bare_intake.settings")

        from django.core.asgi import get_asgi_application
        from django.db import connection

        application = get_asgi_application()

        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS bare_report (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                " idem_key TEXT NOT NULL, body TEXT NOT NULL, received_at REAL NOT NULL)"
            )
        connection.close()
    """,
}


def write_baseline_project(root: Path) -> None:
    package = root / "bare_intake"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    for name, text in _BASELINE_FILES.items():
        (package / name).write_text(textwrap.dedent(text).lstrip())


def baseline_server(root: Path, port: int) -> Server:
    """The bare project under ``root`` (generated if missing); its database is in ``root``."""
    if not (root / "bare_intake" / "asgi.py").exists():
        write_baseline_project(root)
    command = [sys.executable, "-m", "uvicorn", "bare_intake.asgi:application"]
    command += ["--app-dir", str(root), "--host", HOST, "--port", str(port), *UVICORN_OPTIONS]
    env = base_env(BARE_DB=str(baseline_db(root)), DJANGO_SETTINGS_MODULE="bare_intake.settings")
    return Server("baseline", command, port=port, env=env, log=root / "server.log")


def baseline_db(root: Path) -> Path:
    return root / "bare.sqlite3"


def temp_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


# --- Reports at random points inside wards -------------------------------------------------------


def get_json(base_url: str, path: str) -> Any:
    with urllib.request.urlopen(base_url + path, timeout=30) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


class WardPoints:
    """Random points inside the province's wards: a ward's label point (inside it) moved by up
    to ``jitter_m`` metres, kept only if still inside that ward's boundary."""

    def __init__(self, base_url: str, province: int = 79, jitter_m: float = 400.0) -> None:
        from shapely.geometry import Point, shape
        from shapely.prepared import prep

        self._point = Point
        wards = get_json(base_url, f"/api/v1/geography/wards?province={province}")
        bounds = get_json(base_url, f"/api/v1/geography/boundaries?province={province}")
        shapes = {f["properties"]["code"]: prep(shape(f["geometry"])) for f in bounds["features"]}
        self.wards = [
            (w["code"], w["label_lat"], w["label_lon"], shapes.get(w["code"]))
            for w in wards
            if w.get("label_lat") is not None
        ]
        if not self.wards:
            raise RuntimeError("no ward has a label point; is the geography loaded?")
        self.jitter_deg = jitter_m / 111_320.0

    def random(self, rng: random.Random) -> tuple[float, float]:
        _code, lat, lon, boundary = rng.choice(self.wards)
        for _ in range(30):
            p_lat = lat + rng.uniform(-self.jitter_deg, self.jitter_deg)
            p_lon = lon + rng.uniform(-self.jitter_deg, self.jitter_deg)
            if boundary is None or boundary.contains(self._point(p_lon, p_lat)):
                return round(p_lat, 7), round(p_lon, 7)
        return lat, lon


DESCRIPTIONS = [
    "Hai nhóm thanh niên đánh nhau trước quán cà phê, có người bị thương.",
    "Xe máy va chạm với ô tô ở ngã tư, một người nằm trên đường.",
    "Có khói bốc ra từ tầng hai nhà dân trong hẻm.",
    "Người đi đường bị giật túi xách, đối tượng chạy về hướng chợ.",
]


MOBILE_PREFIXES = ("090", "091", "093", "094", "096", "097", "098", "086", "088")


def report_body(rng: random.Random, points: WardPoints, tag: str) -> dict[str, Any]:
    """A valid citizen report (category ``other``, a point, a description, a phone number)."""
    lat, lon = points.random(rng)
    return {
        "category": CATEGORY,
        "description": f"{rng.choice(DESCRIPTIONS)} [{tag}]",
        "lat": lat,
        "lon": lon,
        "location_source": "device",
        "reporter_phone": f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7):07d}",
    }


# --- A light asyncio HTTP/1.1 keep-alive client --------------------------------------------------


class HttpError(Exception):
    pass


@dataclass
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class HttpConnection:
    """One keep-alive connection; one request at a time. Reconnects after a close, and before
    reusing a connection idle for ``MAX_IDLE`` seconds: uvicorn closes idle keep-alive
    connections after 5 s, and a request sent just then would fail for the client's fault."""

    MAX_IDLE = 3.0

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Answer:
        try:
            return await self._request(method, path, body, headers or {})
        except BaseException:
            await self.close()  # a failed exchange leaves the connection in an unknown state
            raise

    async def _request(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> Answer:
        if self.writer is not None and time.monotonic() - self.last_used > self.MAX_IDLE:
            await self.close()
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        self.writer.write(head.encode() + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        try:
            status = int(lines[0].split(" ", 2)[1])
        except (IndexError, ValueError):
            raise HttpError(f"bad status line {lines[0]!r}") from None
        length, chunked, close = 0, False, False
        for line in lines[1:]:
            name, _sep, value = line.partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size + 2))
            data = b"".join(p[:-2] for p in parts)
        else:
            data = await self.reader.readexactly(length)
        self.last_used = time.monotonic()
        if close:
            await self.close()
        return Answer(status, data)


@dataclass
class LoadResult:
    accepted: int = 0
    latencies: list[float] = field(default_factory=list)  # of the accepted, seconds
    errors: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    joined_existing: int = 0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def summary(self) -> dict[str, Any]:
        total = self.accepted + sum(self.errors.values())
        return {
            "accepted_per_s": round(self.accepted / self.elapsed, 1) if self.elapsed else 0.0,
            "accepted": self.accepted,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(sorted(self.errors.items())),
            "p50_ms": ms(percentile(self.latencies, 50)),
            "p99_ms": ms(percentile(self.latencies, 99)),
            "max_ms": ms(max(self.latencies) if self.latencies else None),
            "seconds": round(self.elapsed, 1),
            "server_cpu_cores": round(self.server_cpu / self.elapsed, 2) if self.elapsed else None,
            "server_cpu_ms_per_request": round(self.server_cpu / total * 1000, 2)
            if total
            else None,
            "client_cpu_cores": round(self.client_cpu / self.elapsed, 2) if self.elapsed else None,
        }


async def closed_loop_load(
    *,
    port: int,
    path: str,
    make_body: Any,
    concurrency: int,
    duration: float,
    warmup: float,
    server: Server,
    timeout: float = 30.0,
) -> LoadResult:
    """``concurrency`` clients, each on its own keep-alive connection, POST back to back for
    ``warmup`` (not counted) then ``duration`` seconds. Counts only 201s done in the window."""
    result = LoadResult()
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + duration
    marks: dict[str, float] = {}
    run = os.urandom(6).hex()  # keys are unique per run: a repeated key would be a cheap replay

    async def client(index: int) -> None:
        conn = HttpConnection(port)
        rng = random.Random(f"{run}-{index}")  # points unique per run, too
        n = 0
        try:
            while True:
                now = time.perf_counter()
                if now >= stop_at:
                    return
                if now >= measure_from and "cpu" not in marks:
                    marks["cpu"] = 1
                    marks["client_cpu"] = time.process_time()
                    marks["server_cpu"] = server.cpu_seconds()
                n += 1
                body = json.dumps(make_body(rng)).encode()
                headers = {"Idempotency-Key": f"load-{run}-{index}-{n}"}
                sent = time.perf_counter()
                try:
                    answer = await asyncio.wait_for(
                        conn.request("POST", path, body, headers), timeout
                    )
                except (TimeoutError, OSError, asyncio.IncompleteReadError, HttpError) as e:
                    if sent >= measure_from and time.perf_counter() <= stop_at:
                        result.error(type(e).__name__)
                    continue
                done = time.perf_counter()
                if sent < measure_from or done > stop_at:
                    continue
                if answer.status == 201:
                    result.accepted += 1
                    result.latencies.append(done - sent)
                    if answer.json().get("joined_existing"):
                        result.joined_existing += 1
                else:
                    result.error(f"http_{answer.status}")
        finally:
            await conn.close()

    await asyncio.gather(*(client(i) for i in range(concurrency)))
    result.elapsed = stop_at - measure_from
    result.client_cpu = time.process_time() - marks.get("client_cpu", time.process_time())
    result.server_cpu = server.cpu_seconds() - marks.get("server_cpu", server.cpu_seconds())
    return result


# --- Log in as an officer (for the WebSocket consoles) -------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def login_session(base_url: str, username: str, password: str) -> str:
    """Log in through the page form (CSRF) and return the session cookie's value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    opener.open(base_url + "/accounts/login/", timeout=30).read()
    token = next((c.value for c in jar if c.name == "csrftoken"), None)
    if token is None:
        raise RuntimeError("the login page set no CSRF cookie")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback
        base_url + "/accounts/login/",
        data=form,
        headers={"Origin": base_url, "Referer": base_url + "/accounts/login/"},
    )
    try:
        opener.open(request, timeout=30).read()
    except urllib.error.HTTPError as e:  # the 302 after a good log-in comes here (no redirect)
        if e.code != 302:
            raise
    session = next((c.value for c in jar if c.name == "sessionid"), None)
    if session is None:
        raise RuntimeError(f"log-in as {username} failed (no session cookie)")
    return session

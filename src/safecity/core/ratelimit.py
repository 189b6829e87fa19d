"""Rate limits for public endpoints: fixed windows counted in the shared cache (Redis when
``REDIS_URL`` is set, so every worker counts together; per process otherwise).

A limit is written like the API throttles, ``"10/m"``. ``SAFECITY_RATELIMIT_ENABLED=false``
switches every limit off (load tests only).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from safecity.core.errors import ApplicationError

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RateLimited(ApplicationError):
    status = 429
    code = "rate_limited"
    default_message = _("Too many requests. Wait a moment and try again.")

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        number, _slash, unit = text.partition("/")
        return cls(count=int(number), seconds=_SECONDS[unit])


def hit(bucket: str, subject: str, rate: str) -> None:
    """Count one request of ``subject`` (an address, a phone number) against ``bucket``;
    raise ``RateLimited`` with the seconds to wait once the window's allowance is used."""
    if not settings.SAFECITY_RATELIMIT_ENABLED or not subject:
        return
    limit = Rate.parse(rate)
    now = int(time.time())
    window = now // limit.seconds
    digest = hashlib.sha256(subject.encode()).hexdigest()[:24]  # no phone numbers in the cache
    key = f"rl:{bucket}:{digest}:{window}"
    if cache.add(key, 1, timeout=limit.seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=limit.seconds + 1)
            count = 1
    if count > limit.count:
        raise RateLimited(retry_after=(window + 1) * limit.seconds - now)

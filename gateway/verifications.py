"""Public verification answered by the gateway itself when it can (issue 12; ISS-9, ISS-14;
API.md "Verification").

Every lookup was an RPC to issuance and two transactions there (the try counted against the
address, the lookup recorded), so the gateway answered at most what one RPC allows, some
200 a second on this machine. A paid certificate's answer only changes when it is revoked
or replaced, so the gateway process keeps each answer it got for `GATEWAY.
verification_cache_s` seconds (300 by default; 0 turns the cache off), under the exact
number, access code and date, exactly as sent, that found it: a wrong part never meets a
kept answer, and a wrong guess still goes to issuance (the same 404 whatever is wrong).

What a kept answer must not outlive, and how:
- a revocation or replacement: issuance records `certificate_revoked` or
  `certificate_replaced` in its outbox with the change, and every gateway process forgets
  that certificate when it arrives; a certification or revocation made through this process
  empties its cache as soon as issuance answers (they are a few a minute, lookups refill it),
  so the verifier who asks next is told at once;
- a lost event (the process away from the broker): the cache's seconds bound it.

What stays exact: ISS-9's limit of tries per address is counted here, for every try found
or not, before anything else. The count is this process's: where several gateway replicas run,
the Ingress sends an address's verifications to one replica (deploy/k8s hashes them by
the client address), so an address still gets 30 a minute, not 30 per replica; ISS-14's count of
lookups per certificate: issuance records a lookup it answers itself, and the lookups the
gateway answered are sent to issuance in one call a second (`record_lookups`), so staff see
them a second later at most. A process that dies loses that last second's count.
"""
import threading
from collections import deque

from gateway.callers import fresh, seconds
from services.issuance.exceptions import TooManyVerifications
from tradecert import clock, config
from tradecert.logs import get_logger
from tradecert.ratelimit import Limit

log = get_logger(__name__)

#: ISS-9: more than 30 tries a minute from one address → 429 (LIMITS in config.yaml).
VERIFICATIONS_PER_ADDRESS = Limit("verifications_per_address", 30, 60)
DEFAULT_TTL_S = 300.0
MAX_ANSWERS = 100_000
#: Lookups waiting to be counted beyond this are dropped (issuance away for long), logged.
MAX_PENDING = 200_000


def ttl_s() -> float:
    return float(config.section("GATEWAY").get("verification_cache_s", DEFAULT_TTL_S))


def query_key(certificate_no, access_code, issued_on) -> tuple[str, str, str]:
    """Exactly as sent: a kept answer only ever meets the very parts issuance accepted (the
    QR code sends them the same way each time; another spelling is asked, then kept too)."""
    return str(certificate_no), str(access_code), str(issued_on)


class AddressLimit:
    """Tries per client address in a fixed window, in this process's memory."""

    def __init__(self, limit: Limit, now=seconds):
        self.limit, self.now = limit, now
        self._windows: dict[str, tuple[float, int]] = {}  # address -> (window ends, hits)

    def hit(self, address: str | None) -> None:
        """Count a try; TooManyVerifications (429, Retry-After) past the limit."""
        if address is None:
            return
        limit, now = self.limit.configured, self.now()
        ends, hits = self._windows.get(address, (0.0, 0))
        if not ends - limit.window_s <= now < ends:  # closed (or the clock was set back)
            if len(self._windows) >= MAX_ANSWERS:
                self._prune(now)
            ends, hits = now + limit.window_s, 0
        self._windows[address] = (ends, hits + 1)
        if hits + 1 > limit.count:
            raise TooManyVerifications(
                message=f"{limit.name}: at most {limit.count} in {limit.window_s} s",
                params={"retry_after_s": max(1, int(ends - now) + 1), "limit": limit.count})

    def _prune(self, now: float) -> None:
        self._windows = {address: window for address, window in self._windows.items()
                         if window[0] > now}  # a window whose end has passed counts nothing


class Verifications:
    """One per gateway process: the limit, the kept answers and the lookups to count."""

    def __init__(self, ttl: float, now=seconds):
        self.ttl, self.now = ttl, now
        self.limit = AddressLimit(VERIFICATIONS_PER_ADDRESS, now)
        # (number, code, date) -> (asked at, expires at, answer)
        self._answers: dict[tuple[str, str, str], tuple[float, float, dict]] = {}
        self._forgotten = 0
        self._pending: deque = deque()
        self._lock = threading.Lock()

    def verify(self, issuance, certificate_no, access_code, issued_on,
               client_address: str | None) -> dict:
        """The answer for these three parts from this address (issuance's errors raise)."""
        self.limit.hit(client_address)
        key = query_key(certificate_no, access_code, issued_on)
        found = self._answers.get(key) if self.ttl > 0 else None
        asked_at = self.now()
        if found is not None and fresh(found, asked_at):
            self._pending.append({"certificate_no": found[2]["certificate_no"],
                                  "at": clock.now().isoformat()})
            return found[2]
        forgotten = self._forgotten
        answer = issuance.verify(certificate_no, access_code, issued_on)  # counted there
        if self.ttl > 0:
            self._keep(key, answer, asked_at, forgotten)
        return answer

    def _keep(self, key, answer: dict, asked_at: float, forgotten: int) -> None:
        with self._lock:
            if self._forgotten != forgotten:
                return  # a certificate was forgotten while issuance answered: maybe this one
            if len(self._answers) >= MAX_ANSWERS:
                now = self.now()
                self._answers = {k: v for k, v in self._answers.items() if fresh(v, now)}
                if len(self._answers) >= MAX_ANSWERS:
                    self._answers.clear()
            self._answers[key] = (asked_at, asked_at + self.ttl, answer)

    def forget_certificate(self, certificate_no: str) -> None:
        """It was revoked or replaced (the event): its answers, however the number was typed."""
        with self._lock:
            self._forgotten += 1
            for key in [key for key, (_, _, answer) in self._answers.items()
                        if answer["certificate_no"] == certificate_no]:
                del self._answers[key]

    def forget_all(self) -> None:
        """A certification or revocation went through this process."""
        with self._lock:
            self._forgotten += 1
            self._answers.clear()

    def record_lookups(self, issuance) -> int:
        """Send the lookups answered here since the last time to issuance (a timer calls it
        every second); kept for the next time when issuance does not answer."""
        batch = []
        while self._pending and len(batch) < 10_000:
            batch.append(self._pending.popleft())
        if not batch:
            return 0
        try:
            issuance.record_lookups(batch)
        except Exception:  # noqa: BLE001 — issuance away: the next tick tries again
            self._pending.extendleft(reversed(batch))
            while len(self._pending) > MAX_PENDING:
                self._pending.pop()
            log.warning("verification_lookups_not_recorded", waiting=len(self._pending))
            return 0
        return len(batch)

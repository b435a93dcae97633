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
or not, before anything else, in this process; and, because several gateway processes share
the port and replicas share the Ingress, every process sends the tries it saw to issuance
once a second (`count_verification_tries`), which counts them for all together and names
the addresses over the limit: each process refuses those until their window closes. An
address gets its 30 a minute however many processes answer it, give or take one second's
tries; ISS-14's count of
lookups per certificate: issuance records a lookup it answers itself, and the lookups the
gateway answered are sent to issuance in one call a second (`record_lookups`), so staff see
them a second later at most. A process that dies loses that last second's count.
"""
import threading
from collections import Counter, deque

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
        self.tries: Counter = Counter()  # since they were last sent to issuance
        self.refused: dict[str, float] = {}  # address -> until (over the limit, all together)

    def hit(self, address: str | None) -> None:
        """Count a try; TooManyVerifications (429, Retry-After) past the limit, this
        process's or all processes' together (`refuse`)."""
        if address is None:
            return
        limit, now = self.limit.configured, self.now()
        self.tries[address] += 1
        until = self.refused.get(address)
        if until is not None:
            if now < until:
                raise self._refusal(limit, until - now)
            del self.refused[address]
        ends, hits = self._windows.get(address, (0.0, 0))
        if not ends - limit.window_s <= now < ends:  # closed (or the clock was set back)
            if len(self._windows) >= MAX_ANSWERS:
                self._prune(now)
            ends, hits = now + limit.window_s, 0
        self._windows[address] = (ends, hits + 1)
        if hits + 1 > limit.count:
            raise self._refusal(limit, ends - now)

    @staticmethod
    def _refusal(limit: Limit, seconds_left: float) -> TooManyVerifications:
        return TooManyVerifications(
            message=f"{limit.name}: at most {limit.count} in {limit.window_s} s",
            params={"retry_after_s": max(1, int(seconds_left) + 1), "limit": limit.count})

    def take_tries(self) -> dict[str, int]:
        """The tries seen since the last time, {address: how many}, to be counted together."""
        tries, self.tries = self.tries, Counter()
        return dict(tries)

    def refuse(self, over: dict[str, int]) -> None:
        """Addresses over the limit counted together: refused here for their seconds too."""
        now = self.now()
        if len(self.refused) >= MAX_ANSWERS:
            self.refused = {a: until for a, until in self.refused.items() if until > now}
        for address, seconds_left in over.items():
            self.refused[address] = now + float(seconds_left)

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

    def count_tries(self, issuance) -> int:
        """ISS-9: the tries seen here since the last time, counted by issuance for every
        process together (a timer calls it every second); the addresses it finds over the
        limit are refused here too. Tries issuance did not take are not sent again: this
        process's own limit still holds meanwhile."""
        tries = self.limit.take_tries()
        if not tries:
            return 0
        try:
            self.limit.refuse(issuance.count_verification_tries(tries))
        except Exception:  # noqa: BLE001 — issuance away: the local limit holds meanwhile
            log.warning("verification_tries_not_counted", addresses=len(tries))
            return 0
        return len(tries)

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

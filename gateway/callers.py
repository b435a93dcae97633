"""Who is calling, remembered for a few seconds (issue 12).

Every authenticated request asked identity's `authorize` first: a second RPC, and four reads
and a transaction in identity's database, for an answer that hardly ever changes between two
requests of one session. The gateway process now keeps identity's answer for a credential and
an action for `GATEWAY.caller_cache_s` seconds (5 by default; 0 turns it off) and asks again
after that. What may change the answer before then, and how the gateway hears of it at once:

- the credential's session ends or what it says changes (a logout, a newer login with the
  same ID (ID-10), a lock by staff, a password set or reset by someone else, a retired or
  deleted ID, the admin's first password change (ID-2), the e-mail verified (ID-5), a sub
  ID's name): identity records `sessions_changed` with the ID in its outbox, in the same
  transaction, and every gateway process forgets the ID's callers when it arrives; the
  process that made the change through identity's RPC forgets them as soon as the call
  returns (gateway/dependencies.py), before it answers;
- time: a session that idles out or passes its maximum age (ID-8, SESSIONS in config.yaml)
  is refused at most the cache's few seconds late; identity still sees every session at
  least that often, so its last-seen time stays right.

Only answers are kept, never refusals: a 401 or 403 is asked afresh each time. The keys are
SHA-256 of the credential (as identity stores it), never the credential itself.
"""
import hashlib
import threading

from tradecert import clock, config

#: Seconds a caller is remembered when GATEWAY.caller_cache_s is not set.
DEFAULT_TTL_S = 5.0
#: Past this many entries the expired ones go (and all of them, if that is not enough).
MAX_ENTRIES = 50_000


def ttl_s() -> float:
    return float(config.section("GATEWAY").get("caller_cache_s", DEFAULT_TTL_S))


def seconds() -> float:
    """The one clock (tradecert.clock), so that a test that moves it moves the caches too."""
    return clock.now().timestamp()


def fresh(entry: tuple, now: float) -> bool:
    """(asked at, expires at, ...): kept since, and not past its time (a clock set back, as
    a test does when it leaves `clock.travel`, makes it stale too)."""
    return entry[0] <= now < entry[1]


def credential_key(credential: str | None, via: str) -> str:
    return f"{via}:{hashlib.sha256((credential or '').encode()).hexdigest()}"


class CallerCache:
    """(credential, action) → identity's `authorize` answer, for `ttl` seconds; forgotten by
    credential or by ID (cci_code, login_id). One per gateway process, shared by its
    workers (green threads: the lock only matters should a real thread ever use it)."""

    def __init__(self, ttl: float, now=seconds):
        self.ttl, self.now = ttl, now
        # credential key -> action -> (asked at, expires at, caller)
        self._entries: dict[str, dict[str, tuple[float, float, dict]]] = {}
        self._by_id: dict[tuple[str, str], set[str]] = {}
        self._forgotten = 0  # how many times anything was forgotten
        self._lock = threading.Lock()

    def authorize(self, identity, credential: str | None, action: str, via: str) -> dict:
        """identity's answer for this credential and action: remembered, or asked."""
        if self.ttl <= 0 or not credential:
            return identity.authorize(credential, action, via)
        key = credential_key(credential, via)
        found = self._entries.get(key, {}).get(action)
        asked_at = self.now()
        if found is not None and fresh(found, asked_at):
            return found[2]
        forgotten = self._forgotten
        caller = identity.authorize(credential, action, via)  # refusals raise: not kept
        self._keep(key, action, caller, asked_at, forgotten)
        return caller

    def _keep(self, key: str, action: str, caller: dict, asked_at: float,
              forgotten: int) -> None:
        with self._lock:
            if self._forgotten != forgotten:
                return  # something was forgotten while identity answered: maybe this ID
            if len(self._entries) >= MAX_ENTRIES:
                self._prune()
            # its time counts from before the question, never from the answer
            self._entries.setdefault(key, {})[action] = (asked_at, asked_at + self.ttl, caller)
            self._by_id.setdefault((caller["cci_code"], caller["login_id"]), set()).add(key)

    def forget_id(self, cci_code: str, login_id: str) -> None:
        """Every credential of this ID: its sessions ended or what they say changed."""
        with self._lock:
            self._forgotten += 1
            for key in self._by_id.pop((cci_code, login_id), ()):
                self._entries.pop(key, None)

    def forget_credential(self, credential: str | None, via: str) -> None:
        """One credential: its session was logged out."""
        with self._lock:
            self._forgotten += 1
            self._entries.pop(credential_key(credential, via), None)

    def _prune(self) -> None:
        """The credentials whose every answer has expired go; all, if that is not enough."""
        now = self.now()
        self._entries = {key: actions for key, actions in self._entries.items()
                         if any(fresh(entry, now) for entry in actions.values())}
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._by_id = {who: keys & self._entries.keys() for who, keys in self._by_id.items()
                       if keys & self._entries.keys()}

    def __len__(self) -> int:
        return len(self._entries)

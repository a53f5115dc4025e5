"""One ``lift dynamorm migrate`` at a time per target (environment + endpoint).

Two runs applying to the same tables at once (two CI jobs, two terminals) would interleave
UpdateTable calls and overwrite each other's state files, so migrate holds a lock for the whole
run (not for ``--dry-run``, which only reads):

* **The local lock** (always): an exclusive, non-blocking ``flock`` on ``migrate.lock`` in the
  target's state directory (state.py). The kernel drops a flock when its process ends, however
  it ends (SIGKILL, a crash, a closed terminal), so a local lock is never stale and needs no
  "force" switch. The file holds the holder's pid, host, user, start time and migration as
  JSON, written only after the lock is taken, so a refused run never touches the holder's file;
  the refusal reads it to say who holds the lock. The file itself stays: unlinking a flock'd
  file lets two processes lock two different inodes of the same name.
* **The table lease** (``migrations.lock_table`` set): runs on different machines do not share
  a state directory or a kernel, so a lease item in a DynamoDB table keyed by ``lock_id`` = the
  target slug, taken with a conditional PutItem (``attribute_not_exists(lock_id) OR expires <
  :now``), renewed by a daemon thread every third of the lease (conditional on ``owner``) and
  deleted at the end (conditional on ``owner``). A run that dies without releasing it blocks
  others only until the lease expires (``LEASE_SECONDS``), or until ``remove_lease`` (``migrate
  --force-unlock``). Expiry compares the clocks of the machines involved, which must agree to
  well within the lease.

Nothing here prints: refusals are MigrationErrors that name the holder, and what the CLI should
show (a created lock table, a lost lease) goes to a ``notify`` callback.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from liftcli.dynamorm.copy import error_code
from liftcli.dynamorm.state import StateStore
from liftcli.errors import AwsError, MigrationError

LOCK_FILE = "migrate.lock"
#: how long a table lease lives without renewal: long enough to ride out a slow network, short
#: enough that a run killed without releasing it does not block the next deploy for long
LEASE_SECONDS = 300
#: seconds to wait for a lock table created by migrate to become ACTIVE
TABLE_ACTIVE_TIMEOUT = 300.0

Notify = Callable[[str], None]


# --------------------------------------------------------------------------------------------
# Who holds a lock
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Owner:
    """One migrate run. ``token`` is unique per run: the table lease is released and renewed
    only by the run whose token it carries (pid and host alone repeat across containers)."""

    token: str
    host: str
    pid: int
    user: str
    started: datetime
    migration: str | None = None

    @classmethod
    def current(cls, migration: str | None = None, *, now: datetime | None = None) -> Owner:
        host = socket.gethostname()
        pid = os.getpid()
        return cls(
            token=f"{host}:{pid}:{uuid.uuid4().hex[:12]}",
            host=host,
            pid=pid,
            user=_user(),
            started=(now or datetime.now(UTC)).replace(microsecond=0),
            migration=migration,
        )

    def with_migration(self, migration: str | None) -> Owner:
        return replace(self, migration=migration)

    def to_dict(self) -> dict[str, Any]:
        return {
            "owner": self.token,
            "host": self.host,
            "pid": self.pid,
            "user": self.user,
            "started": self.started.isoformat(),
            "migration": self.migration,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Owner:
        started = data.get("started")
        return cls(
            token=str(data.get("owner") or "?"),
            host=str(data.get("host") or "?"),
            pid=int(data.get("pid") or 0),
            user=str(data.get("user") or "?"),
            started=datetime.fromisoformat(str(started)) if started else datetime.fromtimestamp(0, UTC),
            migration=None if data.get("migration") in (None, "") else str(data["migration"]),
        )

    def describe(self) -> str:
        """``pid 4242 on ci-runner-7 (user deploy), migration 0002, since 2025-06-01 12:00:03Z``."""
        what = f"migration {self.migration}" if self.migration else "no migration chosen yet"
        return f"pid {self.pid} on {self.host} (user {self.user}), {what}, since {_utc(self.started)}"

    def alive_here(self) -> bool:
        """True when this owner is a process that still runs on this machine (pids are only
        meaningful on their own host; a reused pid makes this a hint, not proof)."""
        if self.host != socket.gethostname() or self.pid <= 0:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container uid without a passwd entry or USER variable
        return str(os.getuid())


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def target_text(store: StateStore) -> str:
    return f"environment {store.target.environment or 'default'} at {store.target.endpoint}"


# --------------------------------------------------------------------------------------------
# The local lock: flock on <state directory>/<target>/migrate.lock
# --------------------------------------------------------------------------------------------


def local_lock_path(store: StateStore) -> Path:
    return store.directory / LOCK_FILE


class LocalLock:
    """An exclusive, non-blocking flock on ``path`` that records its owner in the file.

    flock belongs to the open file description, so two LocalLocks on one path conflict even in
    one process; programs that migrate starts do not inherit it (the descriptor is close-on-exec).
    """

    def __init__(self, path: Path, target: str = "this target") -> None:
        self.path = path
        self.target = target
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, owner: Owner) -> None:
        """Take the lock and write ``owner`` into the file.

        Raises:
            MigrationError: another process holds the lock (the message names it), or the lock
                file cannot be created (unwritable or full state directory).
        """
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            raise MigrationError(
                "lift dynamorm migrate needs a POSIX system (fcntl.flock) to lock its state directory",
                hint="Run migrate on Linux or macOS (or in WSL / a container).",
            ) from None
        if self._fd is not None:
            raise RuntimeError("LocalLock.acquire called twice")
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _read_owner(fd)
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise _local_refusal(self.path, self.target, holder) from None
            raise MigrationError(
                f"cannot lock {self.path}: {exc.strerror or exc}",
                hint="The state directory (migrations.state_directory) must be on a file system "
                "that supports flock; a local disk does.",
            ) from None
        self._fd = fd
        self.record(owner)

    def record(self, owner: Owner) -> None:
        """Rewrite the owner info of the held lock (e.g. once the migration is chosen).

        Best effort: the flock is the lock, the JSON only explains it, so a full disk is left to
        fail the state write that follows, with its own message.
        """
        if self._fd is None:
            raise RuntimeError("LocalLock.record without the lock")
        data = (json.dumps(owner.to_dict(), sort_keys=True) + "\n").encode()
        try:
            os.pwrite(self._fd, data, 0)
            os.ftruncate(self._fd, len(data))
        except OSError:
            pass

    def release(self) -> None:
        """Clear the owner info and drop the lock (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)  # a released lock should not name a finished run
        except OSError:
            pass
        finally:
            os.close(fd)  # closing the last descriptor releases the flock

    def _open(self) -> int:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # no O_TRUNC: the file may belong to a holder; it is written only once locked
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise MigrationError(
                f"cannot create the migrate lock file {self.path}: {exc.strerror or exc}",
                hint="Make the state directory (migrations.state_directory) writable, "
                "then run the command again.",
            ) from None

    def __enter__(self) -> LocalLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def read_local_owner(path: Path) -> Owner | None:
    """The owner recorded in a lock file (None: no file, released, or unreadable)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return _read_owner(fd)
    finally:
        os.close(fd)


def _read_owner(fd: int) -> Owner | None:
    try:
        data = json.loads(os.pread(fd, 65536, 0) or b"null")
        return Owner.from_dict(data) if isinstance(data, dict) else None
    except (OSError, ValueError, TypeError):
        return None  # empty (just taken, not yet written) or being rewritten


def _local_refusal(path: Path, target: str, holder: Owner | None) -> MigrationError:
    who = holder.describe() if holder else "a process that has not recorded itself yet"
    stop = f" (e.g. `kill {holder.pid}` on {holder.host})" if holder else ""
    return MigrationError(
        f"another `lift dynamorm migrate` is applying to {target}: {who} (lock file {path})",
        hint="Wait for it to finish. This lock is released by the system when that process ends, so "
        f"it cannot be stale; if the run hangs, stop it{stop} and continue with "
        "`lift dynamorm migrate --resume`.",
    )


# --------------------------------------------------------------------------------------------
# The table lease: migrations.lock_table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lease:
    """A lease item as stored: its holder and when it expires (epoch seconds)."""

    lock_id: str
    owner: Owner
    expires: int

    def describe(self, now: float) -> str:
        left = self.expires - int(now)
        when = _utc(datetime.fromtimestamp(self.expires, UTC))
        state = f"in {left} s" if left >= 0 else f"{-left} s ago"
        return f"{self.owner.describe()}; lease expires {when} ({state})"


def lock_id_for(store: StateStore) -> str:
    """The lease key of a target: the same slug as its state directory."""
    return store.target.slug


def _item(lock_id: str, owner: Owner, expires: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "lock_id": {"S": lock_id},
        "owner": {"S": owner.token},
        "host": {"S": owner.host},
        "pid": {"N": str(owner.pid)},
        "user": {"S": owner.user},
        "started": {"N": str(int(owner.started.timestamp()))},
        "expires": {"N": str(expires)},
    }
    if owner.migration:
        item["migration"] = {"S": owner.migration}
    return item


def _lease(item: Mapping[str, Any]) -> Lease:
    def text(name: str) -> str | None:
        value = item.get(name) or {}
        return str(value["S"]) if "S" in value else None

    def number(name: str) -> int:
        value = item.get(name) or {}
        try:
            return int(float(value.get("N", 0)))
        except (TypeError, ValueError):
            return 0

    owner = Owner(
        token=text("owner") or "?",
        host=text("host") or "?",
        pid=number("pid"),
        user=text("user") or "?",
        started=datetime.fromtimestamp(number("started"), UTC),
        migration=text("migration"),
    )
    return Lease(text("lock_id") or "?", owner, number("expires"))


@contextmanager
def _aws(doing: str, table: str) -> Iterator[None]:
    """aws_errors, with the lock table's permissions in the access-denied hint."""
    from liftcli.aws_client import aws_errors

    try:
        with aws_errors(doing):
            yield
    except AwsError as exc:
        if "AccessDeniedException" in exc.message:
            exc.hint = (
                "The credentials need dynamodb:PutItem, DeleteItem, GetItem, DescribeTable and "
                f"CreateTable on the lock table {table} (migrations.lock_table)."
            )
        raise


class TableLease:
    """A lease on ``lock_id`` in the DynamoDB table ``table`` for ``owner``.

    ``with TableLease(...)`` takes it (creating the table when missing), renews it in a daemon
    thread and releases it on the way out, also on errors and Ctrl-C.
    """

    def __init__(
        self,
        client: Any,
        table: str,
        lock_id: str,
        owner: Owner,
        *,
        lease_seconds: int = LEASE_SECONDS,
        target: str = "this target",
        notify: Notify | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.table = table
        self.lock_id = lock_id
        self.owner = owner
        self.lease_seconds = int(lease_seconds)
        self.target = target
        self.notify = notify or (lambda message: None)
        self.clock = clock
        self.sleep = sleep
        self.expires: int | None = None
        self.lost: str | None = None  # why the lease was lost while running, if it was
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # one request at a time: renewal vs release

    # -- acquire --------------------------------------------------------------------------

    def acquire(self) -> None:
        """Take the lease, or raise MigrationError naming its holder.

        A missing table is created (PAY_PER_REQUEST, hash key lock_id) and awaited first.
        """
        from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

        for attempt in (1, 2):
            now = int(self.clock())
            expires = now + self.lease_seconds
            try:
                with _aws(f"taking the migrate lease in table {self.table}", self.table):
                    try:
                        self.client.put_item(
                            TableName=self.table,
                            Item=_item(self.lock_id, self.owner, expires),
                            ConditionExpression="attribute_not_exists(lock_id) OR #expires < :now",
                            ExpressionAttributeNames={"#expires": "expires"},
                            ExpressionAttributeValues={":now": {"N": str(now)}},
                            ReturnValuesOnConditionCheckFailure="ALL_OLD",
                        )
                    except ClientError as exc:
                        code = error_code(exc)
                        if code == "ConditionalCheckFailedException":
                            raise self._refusal(exc.response.get("Item")) from None
                        if code == "ResourceNotFoundException" and attempt == 1:
                            raise _MissingTable from None
                        raise
            except _MissingTable:
                self.ensure_table()
                continue
            with self._lock:
                self.expires = expires
            return
        raise AssertionError("unreachable")  # pragma: no cover

    def _refusal(self, item: Mapping[str, Any] | None) -> MigrationError:
        if item:
            who = _lease(item).describe(self.clock())
        else:  # an endpoint that does not return the item: the holder is unknown
            who = "another run (its details were not returned)"
        return MigrationError(
            f"another `lift dynamorm migrate` is applying to {self.target}: {who} "
            f"(lease {self.lock_id} in table {self.table})",
            hint="Wait for it to finish (the lease is released at its end, or expires "
            f"{self.lease_seconds // 60} minutes after its last renewal). If you are sure that run is "
            "dead and the lease has not expired, remove it with `lift dynamorm migrate --force-unlock`.",
        )

    def ensure_table(self) -> bool:
        """Create the lock table if it does not exist and wait until it is ACTIVE.

        Returns True when this call created it. Another runner creating it at the same moment
        (ResourceInUseException) is fine: both wait for the same table.
        """
        from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

        created = False
        with _aws(f"creating the lock table {self.table}", self.table):
            try:
                self.client.create_table(
                    TableName=self.table,
                    KeySchema=[{"AttributeName": "lock_id", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "lock_id", "AttributeType": "S"}],
                    BillingMode="PAY_PER_REQUEST",
                )
                created = True
            except ClientError as exc:
                if error_code(exc) != "ResourceInUseException":
                    raise
        self._wait_active()
        if created:
            self.notify(f"created lock table {self.table} (migrations.lock_table)")
        return created

    def _wait_active(self) -> None:
        from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

        deadline = self.clock() + TABLE_ACTIVE_TIMEOUT
        delay = 0.2
        while True:
            with _aws(f"DescribeTable {self.table}", self.table):
                try:
                    status = self.client.describe_table(TableName=self.table)["Table"].get("TableStatus")
                except ClientError as exc:
                    if error_code(exc) != "ResourceNotFoundException":  # eventual consistency after create
                        raise
                    status = "CREATING"
            if status == "ACTIVE":
                return
            if self.clock() > deadline:
                raise MigrationError(
                    f"the lock table {self.table} is not ACTIVE after {TABLE_ACTIVE_TIMEOUT:.0f} s "
                    f"(status {status})",
                    hint="Check the table in the DynamoDB console, then run migrate again.",
                )
            self.sleep(delay)
            delay = min(delay * 2, 5.0)

    # -- renew ----------------------------------------------------------------------------

    def renew(self) -> bool:
        """Extend the lease by ``lease_seconds`` from now, only if this run still owns it.

        Returns False (and sets ``lost``) when it does not: it expired and another run took it,
        or it was removed with --force-unlock. Network errors raise AwsError (the caller retries).
        """
        from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

        with self._lock:
            if self.expires is None or self.lost:
                return False
            expires = int(self.clock()) + self.lease_seconds
            with _aws(f"renewing the migrate lease in table {self.table}", self.table):
                try:
                    self.client.put_item(
                        TableName=self.table,
                        Item=_item(self.lock_id, self.owner, expires),
                        ConditionExpression="#owner = :owner",
                        ExpressionAttributeNames={"#owner": "owner"},
                        ExpressionAttributeValues={":owner": {"S": self.owner.token}},
                        ReturnValuesOnConditionCheckFailure="ALL_OLD",
                    )
                except ClientError as exc:
                    if error_code(exc) != "ConditionalCheckFailedException":
                        raise
                    item = exc.response.get("Item")
                    self.lost = f"now held by {_lease(item).owner.describe()}" if item else "it was removed"
                    return False
            self.expires = expires
            return True

    def start_renewing(self) -> None:
        """Renew every third of the lease in a daemon thread until ``stop_renewing``."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._renew_loop, name="lift-migrate-lease", daemon=True)
        self._thread.start()

    def stop_renewing(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=60)

    def _renew_loop(self) -> None:
        interval = max(self.lease_seconds / 3.0, 0.05)
        wait = interval
        while not self._stop.wait(wait):
            try:
                if not self.renew():
                    self.notify(
                        f"Warning: lost the migrate lease in table {self.table} ({self.lost}); another "
                        "run may start applying to the same tables. This run continues."
                    )
                    return
                wait = interval
            except Exception as exc:  # noqa: BLE001 - a daemon thread must not die silently
                left = (self.expires or 0) - self.clock()
                self.notify(
                    f"Warning: could not renew the migrate lease in table {self.table} "
                    f"({getattr(exc, 'message', exc)}); it expires in {max(int(left), 0)} s; retrying."
                )
                wait = min(interval, max(left / 3.0, 1.0))

    # -- release --------------------------------------------------------------------------

    def release(self) -> bool:
        """Stop renewing and delete the lease if this run still owns it.

        Returns True when deleted. Never raises: it runs on the way out of errors and Ctrl-C,
        where the original exception matters more; a failure is reported to ``notify`` (the
        lease then simply expires).
        """
        self.stop_renewing()
        with self._lock:
            expires = self.expires
            if expires is None:
                return False
            self.expires = None
        try:
            return remove_lease(self.client, self.table, self.lock_id, owner=self.owner.token)
        except (AwsError, MigrationError) as exc:
            when = _utc(datetime.fromtimestamp(expires, UTC))
            self.notify(
                f"Warning: could not release the migrate lease in table {self.table} ({exc.message}); "
                f"it expires at {when}."
            )
            return False

    def __enter__(self) -> TableLease:
        self.acquire()
        self.start_renewing()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class _MissingTable(Exception):
    pass


def read_lease(client: Any, table: str, lock_id: str) -> Lease | None:
    """The lease on ``lock_id`` (None: no lease, or no such table). Strongly consistent."""
    from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

    with _aws(f"reading the migrate lease in table {table}", table):
        try:
            item = client.get_item(TableName=table, Key={"lock_id": {"S": lock_id}}, ConsistentRead=True).get(
                "Item"
            )
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise
    return _lease(item) if item else None


def remove_lease(client: Any, table: str, lock_id: str, *, owner: str) -> bool:
    """Delete the lease on ``lock_id`` if ``owner`` holds it. True when deleted; False when it is
    gone or held by someone else (then it is left alone)."""
    from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

    with _aws(f"releasing the migrate lease in table {table}", table):
        try:
            client.delete_item(
                TableName=table,
                Key={"lock_id": {"S": lock_id}},
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":owner": {"S": owner}},
            )
        except ClientError as exc:
            if error_code(exc) in ("ConditionalCheckFailedException", "ResourceNotFoundException"):
                return False
            raise
    return True


# --------------------------------------------------------------------------------------------
# Both together, as migrate uses them
# --------------------------------------------------------------------------------------------


class MigrateLock:
    """The local lock, then (with ``lock_table``) the table lease; released in reverse order.

    Split in two steps because migrate takes the local lock before choosing the migration (so
    the choice reads state no other run is writing) and the lease once it has a client::

        with MigrateLock(store, notify=...) as lock:   # the local lock
            migration = choose(...)
            lock.set_migration(migration.id)
            lock.lease(client, lock_table)           # the table lease, if configured
            ...apply...
    """

    def __init__(
        self,
        store: StateStore,
        *,
        owner: Owner | None = None,
        notify: Notify | None = None,
        lease_seconds: int = LEASE_SECONDS,
    ) -> None:
        self.store = store
        self.owner = owner or Owner.current()
        self.notify = notify
        self.lease_seconds = lease_seconds
        self.local = LocalLock(local_lock_path(store), target_text(store))
        self.table_lease: TableLease | None = None

    def acquire(self) -> None:
        self.local.acquire(self.owner)

    def set_migration(self, migration: str | None) -> None:
        """Record the chosen migration in the lock file (the lease is taken with it)."""
        self.owner = self.owner.with_migration(migration)
        self.local.record(self.owner)

    def lease(self, client: Any, lock_table: str | None) -> None:
        """Take the table lease too (no-op without ``lock_table``); renewed until release."""
        if not lock_table or self.table_lease is not None:
            return
        lease = TableLease(
            client,
            lock_table,
            lock_id_for(self.store),
            self.owner,
            lease_seconds=self.lease_seconds,
            target=target_text(self.store),
            notify=self.notify,
        )
        lease.acquire()
        self.table_lease = lease
        lease.start_renewing()

    def release(self) -> None:
        try:
            if self.table_lease is not None:
                self.table_lease.release()
                self.table_lease = None
        finally:
            self.local.release()

    def __enter__(self) -> MigrateLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

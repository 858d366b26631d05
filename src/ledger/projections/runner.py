"""Keeps projections up to date from the log, in order, resumably, on both databases.

The library's ProjectionRunner needs PostgreSQL's LISTEN/NOTIFY; this pull loop works
the same on SQLite and PostgreSQL.  It reads the log by audit-chain position (which
follows commit order and has no gaps), applies each event to every projection that
has not yet seen it, and records the position reached in the same transaction as the
projection's writes, so a crash never loses or repeats an event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from ledger.domain.errors import ReadModelsBehind, StorageError
from ledger.infra.chain import CHAIN_TABLE, GENESIS
from ledger.infra.db import Connection
from ledger.projections.names import ReadModel

# What applies events (the projections, the mapper, the event models) is imported only
# when there are events to apply: a read that finds the read models caught up, which
# the static table in names.py says how to check, never imports it (ADR 0023).
if TYPE_CHECKING:
    from ledger.domain.events import LedgerEvent
    from ledger.infra.histories import Histories
    from ledger.projections.base import Delivered, Projection

TRACKING = "ledger_projections"
BATCH = 10_000


class ProjectionRunner:
    """Pulls new events from the log into the projections."""

    def __init__(
        self,
        db: Connection,
        projections: Sequence[Projection] | Callable[[], Sequence[Projection]],
        *,
        on_created: Callable[[], None] | None = None,
        histories: Histories | None = None,
        read_models: Sequence[ReadModel] | None = None,
    ):
        """``projections``: the projections, or what makes them when first needed, with
        ``read_models`` their names, versions, tables and indexes (names.py) meanwhile."""
        self.db = db
        if callable(projections):
            if read_models is None:
                raise ValueError("projections made when needed need their read_models")
            self._make: Callable[[], Sequence[Projection]] | None = projections
            self._projections: list[Projection] = []
            self._models = list(read_models)
        else:
            self._make = None
            self._projections = list(projections)
            self._models = list(read_models or [])
        self._names = [m.name for m in self._models] or [p.name for p in self._projections]
        self._ready = False
        self._cache: dict[Any, list[Any]] = {}
        self._plan: (
            tuple[
                list[tuple[str, Callable[[Connection, list[Delivered]], None]]],
                set[str],
                list[Projection],
            ]
            | None
        ) = None
        # The batch being applied, each aggregate's events in version order: what a
        # projection asks of an aggregate's events, when the batch holds all of it.
        self._batch: dict[Any, list[Any]] = {}
        self._families: dict[str, list[Projection]] = {}  # by kind of event (_taking)
        self._seen_head = 0  # the head the last check read
        # The process's cache of stored histories (shared with the write path), if any.
        self._histories = histories
        # Called after setup created or dropped a table (the owner re-grants the roles).
        self._on_created = on_created

    @property
    def projections(self) -> list[Projection]:
        """The projections themselves (made on first use)."""
        if self._make is not None:
            self._projections, self._make = list(self._make()), None
        return self._projections

    def _set_up_already(self) -> bool:
        """True when the read models' tables and indexes are all there, at this release's
        versions (so setup has nothing to do): one look at the catalogue, one at the
        tracking table, from the static table alone."""
        if not self._models:
            return False
        if self.db.config.kind == "sqlite":
            rows = self.db.query(
                f"SELECT name FROM {self.db.home}.sqlite_master WHERE type IN ('table', 'index')"
            )
        else:
            rows = self.db.query(
                "SELECT relname AS name FROM pg_class WHERE relnamespace = to_regnamespace(?)",
                [self.db.home],
            )
        present = {r["name"] for r in rows}
        wanted = {TRACKING}.union(*(m.tables + m.indexes for m in self._models))
        if not wanted <= present or "hash" not in self.db.columns(TRACKING):
            return False
        known = {r["name"]: r["version"] for r in self.db.query(f"SELECT * FROM {TRACKING}")}
        return all(known.get(m.name) == m.version for m in self._models)

    def setup(self) -> None:
        """Create tracking and projection tables; rebuild any whose version changed.

        Only the owner creates and migrates tables.  Anyone else finds them ready for
        this release, or is told to have the owner run ``ledger init``."""
        if self._set_up_already():
            self._ready = True
            return
        if not self.db.access.create:
            self._require_ready()
            self._ready = True
            return
        changed = not self.db.table_exists(TRACKING)
        self.db.execute(
            f"CREATE TABLE IF NOT EXISTS {TRACKING} ("
            "name TEXT PRIMARY KEY, version INTEGER NOT NULL, position BIGINT NOT NULL, "
            "hash TEXT)"
        )
        if "hash" not in self.db.columns(TRACKING):  # a ledger from before the check
            self.db.execute(f"ALTER TABLE {TRACKING} ADD COLUMN hash TEXT")
        known = {r["name"]: r["version"] for r in self.db.query(f"SELECT * FROM {TRACKING}")}
        for projection in self.projections:
            if known.get(projection.name) not in (None, projection.version):
                self._drop(projection)
                changed = True
            changed = changed or not all(self.db.table_exists(t) for t in projection.tables)
            projection.create(self.db)
            if known.get(projection.name) != projection.version:
                self.db.execute(
                    f"INSERT INTO {TRACKING} (name, version, position, hash) VALUES (?, ?, 0, ?)",
                    [projection.name, projection.version, GENESIS],
                )
        self._ready = True
        if changed and self._on_created:
            self._on_created()

    def ready(self) -> None:
        """Set up the tables once per process, outside any write: a setup inside a write
        that is then refused would be rolled back with it."""
        if not self._ready:
            self.setup()

    def _require_ready(self) -> None:
        where = self.db.config.describe()
        fix = "the ledger's owner sets them up with `ledger init`"
        if "hash" not in self.db.columns(TRACKING):
            raise StorageError(f"the read models of {where} are not set up for this release: {fix}")
        known = {r["name"]: r["version"] for r in self.db.query(f"SELECT * FROM {TRACKING}")}
        for projection in self.projections:
            if known.get(projection.name) != projection.version or not all(
                self.db.table_exists(t) for t in projection.tables
            ):
                raise StorageError(
                    f"the read model '{projection.name}' of {where} is not set up for this "
                    f"release: {fix}"
                )

    def _drop(self, projection: Projection) -> None:
        for table in projection.tables:
            self.db.execute(f"DROP TABLE IF EXISTS {table}")
        self.db.execute(f"DELETE FROM {TRACKING} WHERE name = ?", [projection.name])

    def positions(self) -> dict[str, int]:
        rows = self.db.query(f"SELECT name, position FROM {TRACKING}")
        return {r["name"]: int(r["position"]) for r in rows}

    def _checked(self, locking: bool = False) -> tuple[int, dict[str, int]]:
        """The chain head and each projection's position, refusing any position that is
        not where that projection stopped: the tracking row keeps the hash of the link
        it reached, so a position moved back (or on) by hand no longer matches.

        Under the write lock the head read here is the head the write appends to: the
        connection keeps it for the chain, and the history cache checks itself by it.
        ``locking``: lock the tracking rows in the same statement (PostgreSQL, under the
        write lock, when no link can be committed while the statement waits)."""
        # Subqueries, not a join: each is one primary-key lookup, where PostgreSQL's
        # planner may hash-join the whole chain for the few tracking rows; and none for
        # a row at the head (the common case), whose link the head's row holds.
        rows = self.db.query(
            f"SELECT t.name, t.position, t.hash, "
            "CASE WHEN t.position = h.position THEN h.hash ELSE "
            f"(SELECT c.hash FROM {CHAIN_TABLE} c WHERE c.position = t.position) END AS at, "
            "h.position AS head, h.hash AS head_hash, h.recorded_at AS head_at "
            f"FROM {TRACKING} t LEFT JOIN (SELECT position, hash, recorded_at "
            f"FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1) h ON 1 = 1"
            + (" ORDER BY t.name FOR UPDATE OF t" if locking else "")
        )
        head = max((int(r["head"] or 0) for r in rows), default=0)
        done: dict[str, int] = {}
        for r in rows:
            position = int(r["position"])
            expected = GENESIS if position == 0 else r["at"]
            if r["hash"] is not None and r["hash"] != expected:
                raise StorageError(
                    f"the read model '{r['name']}' is recorded at position {position}, which is "
                    f"not where it stopped ({TRACKING} was changed behind the ledger's back); "
                    "nothing was changed: run `ledger projections rebuild`"
                )
            done[r["name"]] = position
        self._seen_head = head
        if self.db.writing:
            self.db.tracked = dict(done)
        if self.db.writing and rows:
            top = rows[0]
            self.db.head = (
                (head, str(top["head_hash"]), str(top["head_at"])) if head else (0, GENESIS, "")
            )
            if self._histories is not None:
                self._histories.observe(*self.db.head[:2])
        return head, done

    def behind(self) -> int:
        """How many events the slowest projection has still to apply."""
        if not self._ready:
            self.setup()
        head, done = self._checked()
        return head - min((done.get(name, 0) for name in self._names), default=0)

    def catch_up(
        self, progress: Callable[[int], None] | None = None, *, until: int | None = None
    ) -> int:
        """Apply every event not yet applied (up to position ``until``, if given);
        returns how many were read.

        Each batch is one transaction that first takes the projections' lock and reads
        the positions reached, so two processes catching up at once never apply an
        event twice: the second waits, then finds the work done.  A connection that
        may not write cannot catch up: it says how far behind the read models are.
        """
        if not self._ready:
            self.setup()
        head_now = self.db.head if self.db.writing else None
        if until is None and head_now is not None and head_now[0] > self._seen_head:
            # Under the write lock, after its save: the chain has grown since the check
            # (what the connection knows of its head says so), and the check in the
            # transaction below, under the projections' lock, reads it again.
            return self._apply(progress, None)
        head, done = self._checked()
        target = head if until is None else min(head, until)
        lag = target - min((done.get(name, 0) for name in self._names), default=0)
        if lag <= 0:
            return 0  # the common case for a read: no lock, one indexed lookup
        return self._apply(progress, target, lag)

    def _apply(
        self, progress: Callable[[int], None] | None, target: int | None, lag: int = 0
    ) -> int:
        """Apply the events after the projections' positions, up to ``target`` (the
        head read under the lock, if None), a batch per transaction."""

        if self.db.access.read_only:
            where = self.db.config.describe()
            raise ReadModelsBehind(
                f"the read models are {lag} event(s) behind the log, and {where} "
                f"is read-only here ({self.db.access.why}), so they cannot catch up: "
                "see `ledger projections status`, and run `ledger projections catch-up` "
                "as a user who may write"
            )
        from ledger.infra.collector import frozen_between_steps

        # A catch-up of many batches (a rebuild): what lives from one batch to the next
        # is kept out of the cycle collector's way (infra/collector.py), and its indexes
        # get a page cache they fit in better (Connection.roomy_cache).
        with (
            frozen_between_steps() as step,
            self.db.roomy_cache() if lag > BATCH else nullcontext(),
        ):
            return self._apply_batches(progress, target, step)

    def _apply_batches(
        self, progress: Callable[[int], None] | None, target: int | None, step: Callable[[], None]
    ) -> int:
        from ledger.projections.base import Delivered

        read = 0
        nid = self.db.dialect.notification_id
        while True:
            if read:
                step()
            with self.db.transaction():
                known = self._tracked()
                if known is not None:
                    # Checked under this write lock already: the tracking rows are as
                    # read then (the UPDATE below refuses the write if they are not).
                    head, done = known
                    self._seen_head = head
                else:
                    # Under the write lock nothing can be chained while this waits for
                    # another catch-up: one statement both locks and checks the rows.
                    together = self.db.writing and self.db.dialect.name == "postgresql"
                    if not together:
                        self._lock()
                    head, done = self._checked(locking=together)
                if target is None:
                    target = head
                start = min((done.get(p.name, 0) for p in self.projections), default=0)
                rows = self._written(start, target) or self.db.query(
                    "SELECT c.position, c.recorded_at, c.hash, e.topic, e.originator_id, "
                    "e.originator_version, e.state "
                    f"FROM {CHAIN_TABLE} c JOIN {self.db.dialect.events} e "
                    f"ON e.{nid} = c.notification_id "
                    "WHERE c.position > ? AND c.position <= ? ORDER BY c.position LIMIT ?",
                    [start, target, BATCH],
                )
                if not rows:
                    return read
                items = [
                    Delivered(
                        int(row["position"]),
                        row["recorded_at"],
                        self._event(row),
                        row["topic"],
                    )
                    for row in rows
                ]
                # An aggregate changed again at the same recorded time (one import) leaves
                # its intermediate states believed for no time at all: projections that
                # recompute the whole aggregate need only its last event of that moment.
                last_of_moment = {(i.event.originator_id, i.recorded_at): i.position for i in items}
                # ... and the first of the moment (in this batch): the rows reflect the
                # events before it, so such a projection may carry them on from there.
                first_of_moment: dict[tuple[Any, str], Delivered] = {}
                for i in items:
                    first_of_moment.setdefault((i.event.originator_id, i.recorded_at), i)
                self._cache.clear()
                many, batched_names, each = self._kinds()
                self._batch = {}
                for i in items:
                    self._batch.setdefault(i.event.originator_id, []).append(i.event)
                # A projection that takes a batch at once (one row per event, read by no
                # other projection on the way) gets its events in one call.
                for name, process_many in many:
                    process_many(self.db, [i for i in items if done[name] < i.position])
                # A projection that recomputes and takes its moments at once (its rows read
                # by no other projection on the way) gets them, in order, in one call.
                batched: dict[str, list[Delivered]] = {name: [] for name in batched_names}
                for item in items:
                    moment = (item.event.originator_id, item.recorded_at)
                    superseded = last_of_moment[moment] != item.position
                    first = first_of_moment[moment]
                    since: Delivered | None = None
                    for projection in self._taking(item.topic or item.event.TOPIC, each):
                        reached = done[projection.name]
                        if reached >= item.position:
                            continue
                        if not projection.recomputes:
                            projection.process(self.db, item, self.events_of)
                        elif not superseded:
                            # Rows that took in part of this moment already: from all.
                            given = item
                            if reached < first.position:
                                if since is None:
                                    since = Delivered(
                                        item.position,
                                        item.recorded_at,
                                        item.event,
                                        item.topic,
                                        first.event.originator_version - 1,
                                    )
                                given = since
                            if projection.name in batched:
                                batched[projection.name].append(given)
                            else:
                                projection.process(self.db, given, self.events_of)
                for projection in self.projections:
                    if batched.get(projection.name):
                        process_batch = getattr(projection, "process_batch")  # noqa: B009
                        process_batch(self.db, batched[projection.name], self.events_of)
                self._batch = {}
                last, last_hash = int(rows[-1]["position"]), rows[-1]["hash"]
                behind = [p.name for p in self.projections if done[p.name] < last]
                if behind:  # one statement for all of them
                    self._advance(behind, start if known is not None else None, last, last_hash)
            read += len(rows)
            if progress:
                progress(len(rows))
            if last >= target:
                return read  # no need for another transaction to find nothing more

    def _kinds(
        self,
    ) -> tuple[
        list[tuple[str, Callable[[Connection, list[Delivered]], None]]],
        set[str],
        list[Projection],
    ]:
        """The projections by how they take a batch (worked out once): those that take
        its events in one call (``process_many``), the names of those that take its
        moments in one call (``process_batch``), and every other, in order."""
        if self._plan is None:
            many = [
                (p.name, getattr(p, "process_many"))  # noqa: B009 (not in the Protocol)
                for p in self.projections
                if not p.recomputes and hasattr(p, "process_many")
            ]
            batched = {
                p.name for p in self.projections if p.recomputes and hasattr(p, "process_batch")
            }
            names = {name for name, _ in many}
            self._plan = (many, batched, [p for p in self.projections if p.name not in names])
        return self._plan

    def _taking(self, topic: str, each: list[Projection]) -> list[Projection]:
        """Those of ``each`` that take events of ``topic``'s kind (worked out once per
        kind): a projection's ``families``, and retractions for all."""
        family = topic.partition(".")[0]
        taking = self._families.get(family)
        if taking is None:
            taking = [
                p for p in each if family == "event" or p.families is None or family in p.families
            ]
            self._families[family] = taking
        return taking

    def _tracked(self) -> tuple[int, dict[str, int]] | None:
        """Under the write lock, after the write's save: the head it chained and each
        read model's position as the check read it under this lock (and as this write's
        catch-up moved it since), when they all stand just before the links this write
        chained: the read models were caught up when it began, so no catch-up elsewhere
        has anything to apply, and nothing but this write moves them while the lock is
        held (SQLite: its transaction holds the only write lock; PostgreSQL: ``_advance``
        refuses the write if a rebuild, which does not take the lock, moved them).
        None: check them again, under the projections' lock."""
        if not self.db.writing:
            return None
        tracked, head, written = self.db.tracked, self.db.head, self.db.written
        if not tracked or head is None or not written:
            return None
        positions = set(tracked.values())
        if len(positions) != 1 or written[0][0] != positions.pop() + 1:
            return None
        if any(p.name not in tracked for p in self.projections):
            return None
        return head[0], dict(tracked)

    def _advance(self, names: list[str], expected: int | None, last: int, last_hash: str) -> None:
        """Move the tracking rows of ``names`` to ``last``.  ``expected``: the position
        they were read at under the write lock, not read again since: a row found
        elsewhere (moved by a catch-up or rebuild that does not take the write lock) gets
        no position, which its NOT NULL refuses, and the whole write with it."""
        marks = ",".join("?" * len(names))
        if expected is None:
            self.db.defer(
                f"UPDATE {TRACKING} SET position = ?, hash = ? WHERE name IN ({marks})",
                [last, last_hash, *names],
                table=TRACKING,
            )
        else:
            self.db.defer(
                f"UPDATE {TRACKING} SET position = CASE WHEN position = ? THEN ? END, "
                f"hash = ? WHERE name IN ({marks})",
                [expected, last, last_hash, *names],
                table=TRACKING,
            )
        if self.db.writing and self.db.tracked is not None:
            self.db.tracked.update(dict.fromkeys(names, last))

    def _written(self, start: int, target: int) -> list[dict[str, Any]]:
        """The batch after ``start`` as this write session inserted it, when it has (the
        links it chained, their events held by the history cache): what reading them
        back would give, without the read.  Empty: read them."""
        written = self.db.written if self.db.writing else []
        if not written:
            return []
        events = self.db.written_events
        if written[0][0] != start + 1 or self._histories is None:
            written.clear()  # read back instead, and let go of what no longer lines up
            events.clear()
            return []
        rows = []
        for index, (position, recorded_at, digest, topic, oid, version) in enumerate(
            written[:BATCH]
        ):
            if position > target:
                break
            held = events[index] if index < len(events) else None
            if held is None or (held.originator_id, held.originator_version, held.TOPIC) != (
                oid,
                version,
                topic,
            ):
                held = self._histories.held(oid, version)
            if held is None:  # no longer held (a big write's cache made room): read back
                written.clear()
                events.clear()
                return []
            rows.append(
                {
                    "position": position,
                    "recorded_at": recorded_at,
                    "hash": digest,
                    "topic": topic,
                    "originator_id": oid,
                    "originator_version": version,
                    "held": held,
                }
            )
        del written[: len(rows)]
        del events[: len(rows)]
        return rows

    def _event(self, row: Any) -> LedgerEvent:
        """A row's event: the one the history cache holds (a write's own, just saved,
        or one read before), else decoded from its stored bytes."""
        held = row.get("held") if isinstance(row, dict) else None  # a link just written
        if held is not None:
            return held  # type: ignore[no-any-return]
        if self._histories is not None:
            held = self._histories.held(row["originator_id"], int(row["originator_version"]))
            if held is not None and row["topic"] == held.TOPIC:
                return held
        # Imported here, not on entry: an import runs this once per event, and the
        # import statement itself is most of the time of one that finds it held.
        from ledger.infra.mapper import decode_event

        return decode_event(row["topic"], bytes(row["state"]))

    def _lock(self) -> None:
        # SQLite: BEGIN IMMEDIATE already holds the only write lock.  PostgreSQL: lock
        # the tracking rows, so concurrent catch-ups take turns.
        if self.db.dialect.name == "postgresql":
            self.db.execute(f"SELECT name FROM {TRACKING} ORDER BY name FOR UPDATE")

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Empty every projection and rebuild it from the log alone.

        The owner drops and recreates the tables; the writer, who may not, empties
        them and starts their tracking again from the beginning."""
        if self.db.access.read_only:
            raise StorageError(
                f"{self.db.config.describe()} is read-only here ({self.db.access.why}): "
                "its read models cannot be rebuilt"
            )
        self.setup()
        with self.db.transaction():
            for projection in self.projections:
                if self.db.access.create:
                    self._drop(projection)
                else:
                    for table in projection.tables:
                        self.db.execute(f"DELETE FROM {table}")
                    self.db.execute(
                        f"UPDATE {TRACKING} SET position = 0, hash = ? WHERE name = ?",
                        [GENESIS, projection.name],
                    )
            self.setup()
        return self.catch_up(progress)

    def events_of(self, aggregate_id: Any, up_to_version: int, after: int = 0) -> list[Any]:
        """An aggregate's stored events up to a version (for projections that recompute).

        Read once per batch and sliced: events are immutable, so the cache is exact.
        With the process's history cache, read once and then only past what it holds.
        Either way, when the batch being applied holds every event asked for (a
        moment's new events, or an aggregate first seen in this batch), they are the
        batch's own, already decoded: a rebuild, or a catch-up after a big write whose
        cache has made room, reads and decodes none of them again."""
        from ledger.infra.mapper import decode_event

        mine = self._batch.get(aggregate_id)
        if mine and mine[0].originator_version <= after + 1:
            wanted = up_to_version - after
            found = [e for e in mine if after < e.originator_version <= up_to_version]
            if len(found) == wanted:
                return found
        if self._histories is not None:
            return self._histories.events_between(aggregate_id, after, up_to_version)
        cached = self._cache.get(aggregate_id)
        if cached is None or cached[-1].originator_version < up_to_version:
            key = self.db.dialect.originator(aggregate_id)
            rows = self.db.query(
                f"SELECT topic, state FROM {self.db.dialect.events} WHERE originator_id = ? "
                "ORDER BY originator_version",
                [key],
            )
            cached = [decode_event(r["topic"], bytes(r["state"])) for r in rows]
            self._cache[aggregate_id] = cached
        return [e for e in cached if after < e.originator_version <= up_to_version]

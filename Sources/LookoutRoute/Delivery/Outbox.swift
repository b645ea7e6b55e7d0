import Foundation
import GRDB
import LookoutCore

/// OutboxDelivery is one queued message for one sink, as a sink sees it when sending.
public struct OutboxDelivery: Sendable {
    public var id: Int64
    /// Incident id + event + sink: sent as the idempotency key on every attempt.
    public var key: String
    public var event: IncidentEvent.Event
    public var sink: String
    public var incident: IncidentEvent
    /// This attempt's number, counting from 1; recorded before the attempt, so after a crash it says "maybe sent".
    public var attempt: Int
    public var queuedAt: Timestamp
    /// What an earlier delivery of this incident to this sink returned (a ticket id).
    public var ref: String?
    /// The site's config, for names, links and the ticket requester.
    public var site: Site?
    /// The incident's opening went to the dead letters for this sink: nobody there heard of the incident.
    public var openingDead = false
    /// Set when the delivery is an ack or a note for the incident's ticket (`event` is then `updated`): what to
    /// comment, and whether the customer may see it (Outbox+Notes).
    public var note: TicketNote? = nil
    /// An earlier attempt was in flight when route stopped without recording how it ended (a crash, a kill): the
    /// receiver may have it already. Sinks say so in the message, or ask the receiver first where they can.
    public var repeatedAfterRestart = false
}

/// Outbox keeps route's deliveries in SQLite: each incident event becomes its deliveries in one transaction before
/// anything is sent, attempts are recorded as they happen, and a restarted `route` carries on where it stopped.
public final class Outbox: Sendable {
    public let db: DatabaseQueue
    let router: IncidentRouter
    /// Whether outcomes carry their `delivery` lines into the journal (`route --follow`), for `DeliveryJournal` to
    /// write exactly once; otherwise the dispatcher writes them itself.
    public let journaling: Bool
    /// Rung when journal lines were committed, so the journal writer does not have to poll.
    public let journalBell = Bell()
    /// Incidents parsed by the reader, kept by delivery key from their queueing until their first claim.
    let parsed = ParsedIncidents()
    /// Whether incident lines are tracked for escalation (`Outbox+Escalation`).
    let escalating: Bool
    /// Every `after` of the config's escalation steps, in milliseconds, as a JSON array (`Outbox+Escalation`).
    let escalationDelays: String

    public static let migrations: [(id: String, migrate: @Sendable (Database) throws -> Void)] = [
        ("route.v1", { db in
            try db.execute(sql: """
                CREATE TABLE route_delivery (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    key TEXT NOT NULL UNIQUE,
                    incident TEXT NOT NULL,
                    event TEXT NOT NULL,
                    sink TEXT NOT NULL,
                    line BLOB NOT NULL,
                    queued_ms INTEGER NOT NULL,
                    due_ms INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    status TEXT NOT NULL DEFAULT 'pending',
                    batch TEXT,
                    error TEXT
                );
                CREATE INDEX route_delivery_pending ON route_delivery(sink, status, id);
                -- For the "no earlier pending delivery of this incident" test of every claim.
                CREATE INDEX route_delivery_incident ON route_delivery(sink, incident, status, id);
                CREATE TABLE route_incident (
                    incident TEXT NOT NULL,
                    sink TEXT NOT NULL,
                    opened_ms INTEGER NOT NULL,
                    last_update_ms INTEGER,
                    ref TEXT,
                    PRIMARY KEY (incident, sink)
                );
                CREATE TABLE route_dead_letter (
                    key TEXT PRIMARY KEY,
                    incident TEXT NOT NULL,
                    event TEXT NOT NULL,
                    sink TEXT NOT NULL,
                    line BLOB NOT NULL,
                    attempts INTEGER NOT NULL,
                    error TEXT NOT NULL,
                    at_ms INTEGER NOT NULL
                );
                """)
        }),
    ]

    public init(path: String?, router: IncidentRouter, journaling: Bool = false) throws {
        db = try StateDatabase.open(path: path, migrations: Outbox.migrations + Outbox.journalMigrations + Outbox.escalationMigrations
                                        + Outbox.noteMigrations + Outbox.inFlightMigrations + StreamPosition.migrations)
        self.router = router
        self.journaling = journaling
        // A config without escalation steps, and no escalation left from an earlier one, never needs the escalation
        // table: two statements less for every incident line.
        escalating = try router.config.routes.contains { !$0.escalate.isEmpty }
            || db.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM route_escalation)") ?? false }
        escalationDelays = Outbox.jsonArray(Set(router.config.routes.flatMap { $0.escalate.map(\.after.milliseconds) }).sorted())
    }

    /// Checkpoints and closes the database, at a clean exit (nothing may use the outbox after).
    public func close() { StateDatabase.close(db) }

    /// Plans the event's deliveries and commits them with the incident's routing state; returns how many are new
    /// (a replayed event adds none).
    @discardableResult
    public func enqueue(_ incident: IncidentEvent, line: [UInt8], now: Timestamp) throws -> Int {
        try enqueue([(incident, line)], now: now)
    }

    /// Plans a batch of events' deliveries in one transaction (one fsync for a whole read of input), with `position`,
    /// the input position just past them, saved in the same transaction: a restart resumes right after the last
    /// line whose deliveries are queued, so nothing is queued twice or skipped, even once old deliveries are pruned.
    @discardableResult
    public func enqueue(_ events: [(event: IncidentEvent, line: [UInt8])], now: Timestamp, position: StreamPosition? = nil) throws -> Int {
        try enqueue(events.map { RouteInput.incident($0.event, line: $0.line) }, now: now, eventTime: nil, position: position)
    }

    /// Plans a batch of incident, ack and note lines in order, each first firing the escalation steps due by its event
    /// time, and then those due by `eventTime` (the latest time of the batch's other lines), in one transaction
    /// with `position` and what was escalated, so a restart neither skips nor repeats a step.
    @discardableResult
    public func enqueue(_ inputs: [RouteInput], now: Timestamp, eventTime: Timestamp?, position: StreamPosition? = nil) throws -> Int {
        try enqueue(inputs, now: now, eventTime: eventTime, position: position, then: nil)
    }

    /// `enqueue`, with `then` run inside its transaction after the inputs are planned, given how many deliveries
    /// are new: where the dispatcher claims what can be sent at once, so the claim shares the queueing's fsync.
    func enqueue(_ inputs: [RouteInput], now: Timestamp, eventTime: Timestamp?, position: StreamPosition?,
                 then: ((Database, Int) throws -> Void)?) throws -> Int {
        // A batch of results only moves escalation's clock: without escalation it has nothing to write.
        guard !inputs.isEmpty || position != nil || (escalating && eventTime != nil) else { return 0 }
        return try db.write { db in
            var added = 0
            for input in inputs {
                if escalating { added += try escalateDue(upTo: input.at, now: now, in: db) }
                switch input {
                case .incident(let e, let line):
                    added += try enqueue(e, line: line, now: now, in: db)
                    if escalating { try trackEscalation(e, line: line, in: db) }
                case .control(let control, let line):
                    if escalating, case .ack(let ack) = control { try stopEscalation(of: ack.incident, in: db) }
                    added += try enqueueNote(control, line: line, now: now, in: db)
                }
            }
            if escalating, let eventTime { added += try escalateDue(upTo: eventTime, now: now, in: db) }
            try position?.save(db, stage: Outbox.stage)
            try then?(db, added)
            return added
        }
    }

    private func enqueue(_ e: IncidentEvent, line: [UInt8], now: Timestamp, in db: Database) throws -> Int {
        var state: [String: IncidentRouter.SinkState] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT sink, opened_ms, last_update_ms FROM route_incident WHERE incident = ?"), arguments: [e.id]) {
            state[row["sink"]] = IncidentRouter.SinkState(openedAt: Timestamp(milliseconds: row["opened_ms"]),
                                                          lastUpdate: (row["last_update_ms"] as Int64?).map { Timestamp(milliseconds: $0) })
        }
        let (planned, newState) = router.plan(e, state: state)
        var added = 0
        for p in planned { added += try insert(p, incident: e, line: line, now: now, in: db) }
        for (sink, s) in newState where state[sink] != s {
            try db.cachedStatement(sql: """
                INSERT INTO route_incident (incident, sink, opened_ms, last_update_ms) VALUES (?, ?, ?, ?)
                ON CONFLICT (incident, sink) DO UPDATE SET last_update_ms = excluded.last_update_ms
                """).execute(arguments: [e.id, sink, s.openedAt.milliseconds, s.lastUpdate?.milliseconds])
        }
        return added
    }

    /// Queues one planned delivery unless its key is already known; returns 1 if it is new. The incident, parsed
    /// already, is kept for the claim (`parsed`), so its line is not parsed again to be sent.
    func insert(_ p: IncidentRouter.Planned, incident: IncidentEvent, line: [UInt8], now: Timestamp, in db: Database) throws -> Int {
        let wait = router.config.sink(named: p.sink).map { $0.groups ? router.config.groupWait : .zero } ?? .zero
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO route_delivery (key, incident, event, sink, line, queued_ms, due_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [p.key, incident.id, p.event.rawValue, p.sink, Data(line), now.milliseconds, (now + wait).milliseconds])
        let added = db.changesCount
        if added > 0 { parsed.keep(incident, for: p.key) }
        return added
    }

    /// When the sink's next delivery that order allows falls due (one waiting behind an earlier delivery of its
    /// incident falls due when that one is done), leaving out the deliveries in flight.
    public func nextDue(sink: String, excluding busy: Set<Int64> = []) throws -> Timestamp? {
        try db.read { db in try nextDue(in: db, sink: sink, excluding: busy) }
    }

    func nextDue(in db: Database, sink: String, excluding busy: Set<Int64>) throws -> Timestamp? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT MIN(due_ms) FROM route_delivery WHERE \(Outbox.eligible)\(Outbox.notBusy)"),
                           arguments: [sink, Outbox.jsonArray(busy)]).map { Timestamp(milliseconds: $0) }
    }

    /// `pendingCount(sink:)` read on the database's own thread, for the dispatcher's tasks (which run on the HTTP
    /// client's event loops and must not wait there for another thread's commit).
    func pendingDeliveries(sink: String) async throws -> Int {
        try await db.read { db in try Outbox.pendingCount(in: db, sink: sink) }
    }

    public func pendingCount(sink: String? = nil) throws -> Int {
        try db.read { db in try Outbox.pendingCount(in: db, sink: sink) }
    }

    private static func pendingCount(in db: Database, sink: String?) throws -> Int {
        if let sink {
            return try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM route_delivery WHERE status = 'pending' AND sink = ?"), arguments: [sink]) ?? 0
        }
        return try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM route_delivery WHERE status = 'pending'")) ?? 0
    }

    /// Every delivery the outbox remembers (pending or finished and not pruned yet), oldest first; with `status`,
    /// only those (`pending`, `sent`, `dead`).
    func deliveryKeys(status: String? = nil) throws -> [(key: String, sink: String)] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT key, sink FROM route_delivery WHERE ? IS NULL OR status = ? ORDER BY id", arguments: [status, status])
                .map { (key: $0["key"], sink: $0["sink"]) }
        }
    }

    // A delivery may go only when no earlier one of the same incident to the same sink is still pending, so a
    // ticket is created before it is commented on and a resolve never overtakes its opening.
    private static let eligible = """
        route_delivery.status = 'pending' AND route_delivery.sink = ? AND NOT EXISTS (SELECT 1 FROM route_delivery e
            WHERE e.sink = route_delivery.sink AND e.incident = route_delivery.incident AND e.status = 'pending' AND e.id < route_delivery.id)
        """

    /// Leaves out the deliveries in flight (still pending), given as a JSON array so the statement's text stays the
    /// same and SQLite prepares it once (`cachedStatement`), not on every claim.
    private static let notBusy = " AND route_delivery.id NOT IN (SELECT value FROM json_each(?))"

    /// `[1,2,3]`: ids (or delays) for `json_each`.
    static func jsonArray(_ ids: some Sequence<Int64>) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    /// Records `outcomes` and then takes what is due for `sink`, in one transaction (one fsync), recording each
    /// attempt before it is made. A grouping sink gets one message: every eligible delivery queued within the group
    /// wait of the first, fixed once chosen so a retry after a crash sends the same message with the same key.
    /// Other sinks get up to `messages` single deliveries, each of a different incident (only an incident's earliest
    /// pending delivery is eligible), leaving out `busy`, the deliveries still in flight.
    public func claim(sink: ConfiguredSink, now: Timestamp, maxBatch: Int = 1, messages: Int = 1, excluding busy: Set<Int64> = [],
                      recording outcomes: [DeliveryOutcome] = [], sites: (String) -> Site?) throws -> [[OutboxDelivery]] {
        try db.write { db -> [[OutboxDelivery]] in
            try record(outcomes, in: db)
            return try claim(in: db, sink: sink, now: now, maxBatch: maxBatch, messages: messages, excluding: busy, sites: sites)
        }
    }

    /// `claim` inside the caller's transaction, without recording anything.
    func claim(in db: Database, sink: ConfiguredSink, now: Timestamp, maxBatch: Int = 1, messages: Int, excluding busy: Set<Int64>,
               sites: (String) -> Site?) throws -> [[OutboxDelivery]] {
        guard messages > 0 else { return [] }
        if sink.groups && maxBatch > 1 {
            return try claimGroup(db, sink: sink, now: now, maxBatch: maxBatch, excluding: busy, sites: sites).map { [$0] } ?? []
        }
        let rows = try Row.fetchAll(db.cachedStatement(sql: "\(Outbox.selectDelivery) WHERE \(Outbox.eligible)\(Outbox.notBusy) AND route_delivery.due_ms <= ? ORDER BY route_delivery.id LIMIT ?"),
                                    arguments: [sink.name, Outbox.jsonArray(busy), now.milliseconds, messages])
        return try attempt(rows, db, sites: sites).map { [$0] }
    }

    /// Takes back claims never acted on (a stop with messages claimed but not started), both columns a claim set:
    /// the attempt counted for each was not made, and it is in flight only if it already was before the claim (left
    /// so by a crash), else the next start would take it for a repeat.
    public func unclaim(_ messages: [[OutboxDelivery]]) async throws {
        let deliveries = messages.flatMap { $0 }
        guard !deliveries.isEmpty else { return }
        let ids = deliveries.map(\.id), wasInFlight = deliveries.filter(\.repeatedAfterRestart).map(\.id)
        try await db.write { db in
            try db.cachedStatement(sql: """
                UPDATE route_delivery SET attempts = max(attempts - 1, 0),
                    in_flight = id IN (SELECT value FROM json_each(?)) WHERE id IN (SELECT value FROM json_each(?))
                """).execute(arguments: [Outbox.jsonArray(wasInFlight), Outbox.jsonArray(ids)])
        }
    }

    /// Every column a sink needs, with the incident's ticket ref and whether its opening died for this sink.
    private static let selectDelivery = """
        SELECT route_delivery.*, i.ref AS ref, EXISTS (SELECT 1 FROM route_delivery o WHERE o.sink = route_delivery.sink
            AND o.incident = route_delivery.incident AND o.status = 'dead' AND o.event = 'opened') AS opening_dead
        FROM route_delivery LEFT JOIN route_incident i ON i.incident = route_delivery.incident AND i.sink = route_delivery.sink
        """

    /// Leaves out `busy` as every claim does: a delivery whose retry is recorded as due in the transaction that claims
    /// is still the lane's until that commits, and claimed again there it was sent twice (the lane, letting go of
    /// the recorded attempt, let go of the new claim too, and the next round claimed it once more).
    private func claimGroup(_ db: Database, sink: ConfiguredSink, now: Timestamp, maxBatch: Int, excluding busy: Set<Int64>,
                            sites: (String) -> Site?) throws -> [OutboxDelivery]? {
        let held = Outbox.jsonArray(busy)
        guard let first = try Row.fetchOne(db, sql: "SELECT id, key, batch, due_ms, event FROM route_delivery WHERE \(Outbox.eligible)\(Outbox.notBusy) AND due_ms <= ? ORDER BY id LIMIT 1",
                                           arguments: [sink.name, held, now.milliseconds]) else { return nil }
        var ids: [Int64]
        let onlyOpenings = sink.sink.groupsOnlyOpenings
        if let batch: String = first["batch"] {
            ids = try Int64.fetchAll(db, sql: "SELECT id FROM route_delivery WHERE batch = ? AND status = 'pending'\(Outbox.notBusy) ORDER BY id",
                                     arguments: [batch, held])
        } else if first["event"] != "note" && (!onlyOpenings || first["event"] == "opened") {
            // An ack or a note is a message of its own, never part of a group of incidents.
            let horizon: Int64 = first["due_ms"] + router.config.groupWait.milliseconds
            let filter = onlyOpenings ? " AND event = 'opened'" : " AND event != 'note'"
            ids = try Int64.fetchAll(db, sql: "SELECT id FROM route_delivery WHERE \(Outbox.eligible)\(Outbox.notBusy) AND batch IS NULL AND due_ms <= ?\(filter) ORDER BY id LIMIT ?",
                                     arguments: [sink.name, held, max(horizon, now.milliseconds), maxBatch])
            if ids.count > 1 {
                let batchKey: String = first["key"]
                for id in ids { try db.execute(sql: "UPDATE route_delivery SET batch = ? WHERE id = ?", arguments: ["group:\(batchKey)", id]) }
            }
        } else {
            ids = [first["id"]]
        }
        let rows = try Row.fetchAll(db.cachedStatement(sql: "\(Outbox.selectDelivery) WHERE route_delivery.id IN (SELECT value FROM json_each(?)) ORDER BY route_delivery.id"),
                                    arguments: [Outbox.jsonArray(ids)])
        return try attempt(rows, db, sites: sites)
    }

    /// Counts the attempt on each row and marks it in flight, before it is made: a row still in flight when it is
    /// claimed again was attempted by a route that stopped before recording the outcome, so it may have been sent.
    /// Decodes the incident as parsed when it was queued by this process, else from its stored line.
    private func attempt(_ rows: [Row], _ db: Database, sites: (String) -> Site?) throws -> [OutboxDelivery] {
        guard !rows.isEmpty else { return [] }
        let ids: [Int64] = rows.map { $0["id"] }
        try db.cachedStatement(sql: "UPDATE route_delivery SET attempts = attempts + 1, in_flight = 1 WHERE id IN (SELECT value FROM json_each(?))")
            .execute(arguments: [Outbox.jsonArray(ids)])
        return rows.compactMap { row in
            let key: String = row["key"]
            let note = (row["note"] as Data?).flatMap { TicketNote(line: Array($0)) }
            guard let incident = parsed.take(key) ?? IncidentEvent.decode(Array(row["line"] as Data)),
                  let event = note != nil ? .updated : IncidentEvent.Event(rawValue: row["event"]) else { return nil }
            return OutboxDelivery(id: row["id"], key: key, event: event, sink: row["sink"], incident: incident,
                                  attempt: (row["attempts"] as Int) + 1, queuedAt: Timestamp(milliseconds: row["queued_ms"]),
                                  ref: row["ref"], site: sites(incident.site), openingDead: row["opening_dead"], note: note,
                                  repeatedAfterRestart: row["in_flight"])
        }
    }

    /// Records how attempts ended, all in one transaction: after a crash either every outcome is kept or none is,
    /// and those deliveries are simply attempted again with the same keys.
    public func record(_ outcomes: [DeliveryOutcome]) throws {
        guard !outcomes.isEmpty else { return }
        try db.write { db in try record(outcomes, in: db) }
    }

    /// Records `outcomes` and runs `then` (the dispatcher's claim) in the same transaction: one fsync for both. The
    /// transaction runs on the database's own thread, so the task waiting for its fsync blocks no other task's thread.
    func record<T: Sendable>(_ outcomes: [DeliveryOutcome], then: @Sendable (Database) throws -> T) async throws -> T {
        try await db.write { db in
            try self.record(outcomes, in: db)
            return try then(db)
        }
    }

    func record(_ outcomes: [DeliveryOutcome], in db: Database) throws {
        for o in outcomes {
            try appendJournal(o.journal, in: db)
            switch o.result {
            case .sent(let ref): try markSent(o.batch, ref: ref, in: db)
            case .retry(let due, let error): try markRetry(o.batch, due: due, error: error, in: db)
            case .dead(let error, let at): try markDead(o.batch, error: error, now: at, in: db)
            }
        }
    }

    func markSent(_ batch: [OutboxDelivery], ref: String?, in db: Database) throws {
        let sent = try db.cachedStatement(sql: "UPDATE route_delivery SET status = 'sent', error = NULL, in_flight = 0 WHERE id = ?")
        for d in batch {
            try sent.execute(arguments: [d.id])
            if let ref {
                try db.cachedStatement(sql: "UPDATE route_incident SET ref = ? WHERE incident = ? AND sink = ?")
                    .execute(arguments: [ref, d.incident.id, d.sink])
            }
        }
    }

    func markRetry(_ batch: [OutboxDelivery], due: Timestamp, error: String, in db: Database) throws {
        let retry = try db.cachedStatement(sql: "UPDATE route_delivery SET due_ms = ?, error = ?, in_flight = 0 WHERE id = ?")
        for d in batch {
            try retry.execute(arguments: [due.milliseconds, error, d.id])
        }
    }

    func markDead(_ batch: [OutboxDelivery], error: String, now: Timestamp, in db: Database) throws {
        for d in batch {
            try db.execute(sql: "UPDATE route_delivery SET status = 'dead', error = ?, in_flight = 0 WHERE id = ?", arguments: [error, d.id])
            try db.execute(sql: """
                INSERT OR REPLACE INTO route_dead_letter (key, incident, event, sink, line, attempts, error, at_ms)
                SELECT key, incident, event, sink, line, attempts, ?, ? FROM route_delivery WHERE id = ?
                """, arguments: [error, now.milliseconds, d.id])
        }
    }

    /// Forgets delivered work older than `retention` so the file does not grow forever. Keys are kept that long so
    /// a replay of recent input is still recognised; dead letters are kept for people to read.
    @discardableResult
    public func prune(olderThan retention: TimeSpan, now: Timestamp) throws -> Int {
        let cutoff = (now - retention).milliseconds
        return try db.write { db in
            try db.execute(sql: "DELETE FROM route_delivery WHERE status != 'pending' AND queued_ms < ?", arguments: [cutoff])
            let removed = db.changesCount
            try db.execute(sql: """
                DELETE FROM route_incident WHERE opened_ms < ? AND NOT EXISTS
                    (SELECT 1 FROM route_delivery d WHERE d.incident = route_incident.incident)
                """, arguments: [cutoff])
            return removed
        }
    }

    /// A dead letter as the report and operators see it.
    public struct DeadLetter: Sendable, Equatable {
        public var key: String
        public var sink: String
        public var event: String
        public var attempts: Int
        public var error: String
    }

    public func deadLetters() throws -> [DeadLetter] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT key, sink, event, attempts, error FROM route_dead_letter ORDER BY at_ms, key").map {
                DeadLetter(key: $0["key"], sink: $0["sink"], event: $0["event"], attempts: $0["attempts"], error: $0["error"])
            }
        }
    }
}

/// DeliveryOutcome is how one message's attempt ended (every delivery it carried), as the outbox records it.
public struct DeliveryOutcome: Sendable {
    public enum Result: Sendable, Equatable {
        case sent(ref: String?)
        /// Pending again, due at `due`.
        case retry(due: Timestamp, error: String)
        /// Moved to the dead letters at `at`.
        case dead(error: String, at: Timestamp)
    }

    public var batch: [OutboxDelivery]
    public var result: Result
    /// The outcome's `delivery` lines when the outbox journals them (`route --follow`): committed with the outcome.
    public var journal: [[UInt8]]

    public init(_ batch: [OutboxDelivery], _ result: Result, journal: [[UInt8]] = []) {
        self.batch = batch; self.result = result; self.journal = journal
    }
}

extension IncidentEvent {
    /// Decodes one stored incident line.
    static func decode(_ line: [UInt8]) -> IncidentEvent? {
        line.withUnsafeBufferPointer { buffer -> IncidentEvent? in
            var fields: [JSONField] = []
            guard (try? JSONScanner.scanObject(buffer, into: &fields)) != nil else { return nil }
            return try? IncidentEvent(ScannedObject(bytes: buffer, fields: fields))
        }
    }
}

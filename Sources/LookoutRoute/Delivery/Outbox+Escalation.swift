import Foundation
import GRDB
import LookoutCore

/// RouteInput is a line route plans from: an incident line, or an ack or note (`classify ack|note`, passed on by
/// classify). An ack stops the incident's escalation; both go to the incident's tickets as comments (Outbox+Notes).
public enum RouteInput: Sendable {
    case incident(IncidentEvent, line: [UInt8])
    /// An ack or a note, with its line as it came (part of its deliveries' keys).
    case control(ControlEvent, line: [UInt8])

    /// An ack line of `incident` by `person`, as `classify ack` writes it.
    public static func ack(incident: String, at time: Timestamp, by person: String = "someone", text: String? = nil) -> RouteInput {
        let control = ControlEvent.ack(.init(incident: incident, by: person, at: time, text: text))
        return .control(control, line: control.encoded())
    }

    public var at: Timestamp {
        switch self {
        case .incident(let e, _): e.at
        case .control(let c, _): c.at
        }
    }
}

/// Escalation state lives in the outbox, so the steps fired are committed with the deliveries they queued.
extension Outbox {
    static let escalationMigrations: [(id: String, migrate: @Sendable (Database) throws -> Void)] = [
        ("route.v3-escalation", { db in
            try db.execute(sql: """
                CREATE TABLE route_escalation (
                    incident TEXT PRIMARY KEY,
                    opened_ms INTEGER NOT NULL,
                    fired_ms INTEGER NOT NULL DEFAULT 0,
                    acked INTEGER NOT NULL DEFAULT 0,
                    line BLOB NOT NULL
                );
                """)
        }),
    ]

    /// Starts, updates (latest line, ack) or forgets (resolve) the incident's escalation.
    func trackEscalation(_ e: IncidentEvent, line: [UInt8], in db: Database) throws {
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT opened_ms, fired_ms, acked FROM route_escalation WHERE incident = ?"), arguments: [e.id])
        let old = row.map {
            IncidentRouter.Escalation(openedAt: Timestamp(milliseconds: $0["opened_ms"]), fired: .milliseconds($0["fired_ms"]),
                                      acked: ($0["acked"] as Int64) != 0)
        }
        guard let new = router.escalation(after: e, state: old) else {
            if old != nil { try db.execute(sql: "DELETE FROM route_escalation WHERE incident = ?", arguments: [e.id]) }
            return
        }
        try db.execute(sql: """
            INSERT INTO route_escalation (incident, opened_ms, fired_ms, acked, line) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (incident) DO UPDATE SET acked = excluded.acked, line = excluded.line
            """, arguments: [e.id, new.openedAt.milliseconds, new.fired.milliseconds, new.acked ? 1 : 0, Data(line)])
    }

    /// An ack line (`classify ack`): the incident's steps not fired yet never fire.
    func stopEscalation(of incident: String, in db: Database) throws {
        try db.execute(sql: "UPDATE route_escalation SET acked = 1 WHERE incident = ?", arguments: [incident])
    }

    /// Fires every escalation step due by `time` (event time) of every open, unacknowledged incident. Run for every
    /// line of a batch, so only the rows where some configured step's `after` fell due since their last step fired
    /// are read and their lines decoded: no other row can fire a step (an incident's steps are among the config's).
    func escalateDue(upTo time: Timestamp, now: Timestamp, in db: Database) throws -> Int {
        var added = 0
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT incident, opened_ms, fired_ms, line FROM route_escalation
            WHERE acked = 0 AND EXISTS (SELECT 1 FROM json_each(?) WHERE value > fired_ms AND opened_ms + value <= ?)
            ORDER BY opened_ms, incident
            """), arguments: [escalationDelays, time.milliseconds])
        for row in rows {
            let line: Data = row["line"]
            guard let incident = IncidentEvent.decode(Array(line)) else { continue }
            let state = IncidentRouter.Escalation(openedAt: Timestamp(milliseconds: row["opened_ms"]), fired: .milliseconds(row["fired_ms"]))
            let (planned, new) = router.escalate(incident, state: state, now: time)
            guard new != state else { continue }
            for p in planned {
                added += try insert(p, incident: incident, line: Array(line), now: now, in: db)
                // The sink now knows of the incident: it hears of its end too.
                try db.execute(sql: "INSERT OR IGNORE INTO route_incident (incident, sink, opened_ms) VALUES (?, ?, ?)",
                               arguments: [incident.id, p.sink, time.milliseconds])
            }
            try db.execute(sql: "UPDATE route_escalation SET fired_ms = ? WHERE incident = ?", arguments: [new.fired.milliseconds, incident.id])
        }
        return added
    }
}

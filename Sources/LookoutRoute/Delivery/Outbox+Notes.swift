import Foundation
import GRDB
import LookoutCore

/// TicketNote is an ack or a note on its way to a helpdesk ticket: the words to comment and whether the customer may
/// see them. An ack and an internal note are internal (a Zendesk private comment, a Freshdesk private note); a public
/// note is a public comment, the customer kept informed.
public struct TicketNote: Sendable, Equatable {
    public enum Kind: String, Sendable { case ack, note }
    public var kind: Kind
    public var isPublic: Bool
    public var text: String
    public var by: String
    public var at: Timestamp

    public init?(_ control: ControlEvent) {
        switch control {
        case .ack(let a):
            self.init(kind: .ack, isPublic: false, text: a.text ?? "", by: a.by, at: a.at)
        case .note(let n):
            self.init(kind: .note, isPublic: n.visibility == .public, text: n.text, by: n.by, at: n.at)
        case .window, .end:
            return nil
        }
    }

    public init(kind: Kind, isPublic: Bool, text: String, by: String, at: Timestamp) {
        self.kind = kind; self.isPublic = isPublic; self.text = text; self.by = by; self.at = at
    }

    /// Decodes the control line stored with the delivery.
    init?(line: [UInt8]) {
        guard let control = ControlEvent.decode(line) else { return nil }
        self.init(control)
    }

    /// What a `delivery` line says it carried: `ack`, `public` or `internal`.
    public var label: String { kind == .ack ? "ack" : isPublic ? "public" : "internal" }

    /// The comment's words: a public note exactly as the person wrote it for the client; an ack or an internal note
    /// saying who, for the team.
    public var body: String {
        switch (kind, isPublic) {
        case (.ack, _): text.isEmpty ? "Acknowledged by \(by)." : "Acknowledged by \(by): \(text)"
        case (.note, true): text
        case (.note, false): "Internal note from \(by): \(text)"
        }
    }
}

/// Acks and notes become comments on the incident's tickets, queued in the outbox like every other delivery: in
/// the transaction that reads their line, after the incident's earlier deliveries to the same sink (a comment never
/// overtakes the ticket's creation), with a key of their own that a replay repeats (so they go exactly once).
extension Outbox {
    static let noteMigrations: [(id: String, migrate: @Sendable (Database) throws -> Void)] = [
        ("route.v4-notes", { db in
            // The ack or note line a delivery carries; NULL for the incident's own events.
            try db.execute(sql: "ALTER TABLE route_delivery ADD COLUMN note BLOB")
        }),
    ]

    /// `acme-home/1796119200000|note@1796119330000-9f3a…|helpdesk`: the note's time and a hash of its line, so two
    /// notes in the same millisecond are two deliveries and a replayed line is the same one.
    static func noteKey(incident: String, note: TicketNote, line: [UInt8], sink: String) -> String {
        "\(incident)|\(note.kind.rawValue)@\(note.at.milliseconds)-\(String(FNV1a.hash(line), radix: 16))|\(sink)"
    }

    /// Queues `control` (an ack or note) for every sink that holds the incident's ticket and can keep the note's
    /// visibility (`SinkSpec.takesNote`); returns how many deliveries are new.
    func enqueueNote(_ control: ControlEvent, line: [UInt8], now: Timestamp, in db: Database) throws -> Int {
        guard let note = TicketNote(control) else { return 0 }
        let incident: String
        switch control {
        case .ack(let a): incident = a.incident
        case .note(let n): incident = n.incident
        case .window, .end: return 0
        }
        var added = 0
        for sink in try String.fetchAll(db, sql: "SELECT sink FROM route_incident WHERE incident = ? ORDER BY sink", arguments: [incident]) {
            guard let configured = router.config.sink(named: sink), configured.sink.takesNote(isPublic: note.isPublic) else { continue }
            // The incident's latest line this sink was given: the note's delivery names its site and ticket by it.
            guard let incidentLine = try Data.fetchOne(db, sql: """
                SELECT line FROM route_delivery WHERE incident = ? AND sink = ? AND note IS NULL ORDER BY id DESC LIMIT 1
                """, arguments: [incident, sink]) else { continue }
            try db.execute(sql: """
                INSERT OR IGNORE INTO route_delivery (key, incident, event, sink, line, queued_ms, due_ms, note)
                VALUES (?, ?, 'note', ?, ?, ?, ?, ?)
                """, arguments: [Outbox.noteKey(incident: incident, note: note, line: line, sink: sink), incident, sink, incidentLine,
                                 now.milliseconds, now.milliseconds, Data(line)])
            added += db.changesCount
        }
        return added
    }
}

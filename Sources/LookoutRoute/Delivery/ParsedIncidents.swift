import LookoutCore

/// ParsedIncidents keeps the incidents route has just parsed from its input, by delivery key, from the transaction
/// that queues their deliveries to the claim that sends them, so a line is parsed once, not again from the outbox.
/// Bounded: past `capacity` (a backlog held up by a failing sink) the claim parses the stored line as before.
/// Keyed by delivery key, an entry always holds the line of the latest insert of that key; one whose transaction
/// was rolled back is never asked for unless the key is queued again, which replaces it.
final class ParsedIncidents: Sendable {
    private let entries = Locked<[String: IncidentEvent]>([:])
    let capacity: Int

    init(capacity: Int = 4096) { self.capacity = capacity }

    func keep(_ incident: IncidentEvent, for key: String) {
        entries.withLock { e in
            if e.count < capacity || e[key] != nil { e[key] = incident }
        }
    }

    func take(_ key: String) -> IncidentEvent? {
        entries.withLock { $0.removeValue(forKey: key) }
    }
}

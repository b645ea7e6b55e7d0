import LookoutCore

/// StreamLayout is the stream lookout uses on one server, and how it is made when missing, from the `nats:` section
/// and the server's JetStream domain (docs/scaling.md). Without `leaves`: one stream over `subjects`. With them, a
/// server whose domain is a leaf's keeps `leaf_stream` over `leaf_subjects`; any other server is the centre, whose
/// stream has no subjects and sources each leaf's stream through that leaf's JetStream API (`$JS.<domain>.API`).
struct StreamLayout: Equatable {
    enum Role: Equatable { case single, leaf, central }

    let role: Role
    let stream: String
    /// Empty at the centre: subjects of its own would also draw the leaves' results straight across the leaf links.
    let subjects: [String]
    /// The leaves' JetStream domains the central stream sources `sourceStream` from.
    let sources: [String]
    let sourceStream: String
    let duplicateWindowNanos: Int64
    /// The server's JetStream domain (none on a server without one).
    let domain: String?
    /// What can be read here: results, at a leaf and at the centre alike.
    private let readable: [String]?

    /// The central stream's de-duplication window: the leaves already drop republished lines, and with a longer
    /// window nats-server 2.9 holds a leaf's sourcing back for that long at every message id the leaf stored twice
    /// (a republish later than the leaf's window; nats-server issue 4459).
    static let centralDuplicateWindowNanos: Int64 = 100_000_000

    init(settings: NATSSettings, domain: String?) {
        let window = settings.duplicateWindow.milliseconds * 1_000_000
        self.domain = domain
        sourceStream = settings.leafStream
        if settings.leaves.isEmpty {
            (role, stream, subjects, sources, duplicateWindowNanos, readable) = (.single, settings.stream, settings.subjects, [], window, nil)
        } else if let domain, settings.leaves.contains(domain) {
            (role, stream, subjects, sources, duplicateWindowNanos) = (.leaf, settings.leafStream, settings.leafSubjects, [], window)
            readable = settings.leafSubjects
        } else {
            (role, stream, subjects, sources) = (.central, settings.stream, [], settings.leaves)
            duplicateWindowNanos = Self.centralDuplicateWindowNanos
            readable = settings.leafSubjects
        }
    }

    /// The JetStream API prefix through which the centre reaches a leaf's stream.
    static func apiPrefix(domain: String) -> String { "$JS.\(domain).API" }

    /// Why `subject` cannot be read on this server, or nil.
    func refusalToRead(_ subject: String) -> String? {
        guard let readable, !NATSSubject.isWithin(subject, anyOf: readable) else { return nil }
        return "with nats.leaves, \(stream) carries \(readable.joined(separator: ", ")) only (nats.leaf_subjects)"
    }

    /// Why `subject` cannot be published to on this server, or nil.
    func refusalToPublish(_ subject: String) -> String? {
        switch role {
        case .single:
            return nil
        case .leaf:
            guard !NATSSubject.isWithin(subject, anyOf: subjects) else { return nil }
            return "a leaf's stream \(stream) takes \(subjects.joined(separator: ", ")) only (nats.leaf_subjects)"
        case .central:
            let here = domain.map { "this server's JetStream domain is \($0)" } ?? "this server has no JetStream domain"
            return "\(here), not one of nats.leaves (\(sources.joined(separator: ", "))), so it is the central server, whose "
                + "stream \(stream) holds only what it sources from the leaves: publish at a leaf, or write this stage's output to a file"
        }
    }
}

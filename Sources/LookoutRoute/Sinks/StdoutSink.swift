import LookoutCore

/// StdoutSink writes each delivery as a `notification` line on route's own output, for pipelines that hand messages
/// to tools of their own (a pager CLI, a chat bridge).
public struct StdoutSink: Sink {
    public static let kind = "stdout"
    public static let settingKeys: Set<String> = []

    public let name: String
    let writer: LineWriter

    public init(name: String, settings: ConfigMapping, context: ConfigContext) throws {
        self.name = name
        writer = .standardOutput
    }

    public func send(_ batch: [OutboxDelivery], via transport: any HTTPTransport, now: Timestamp) async -> SinkResult {
        for d in batch {
            var w = JSONObjectWriter()
            w.add("v", 1)
            w.add("type", "notification")
            w.add("sink", name)
            w.add("key", d.key)
            w.add("incident", d.incident.id)
            w.add("event", d.event.rawValue)
            w.add("severity", d.incident.severity.rawValue)
            w.add("site", d.incident.site)
            w.add("text", IncidentText.marked(IncidentText.headline(d), d))
            if d.repeatedAfterRestart { w.add("repeated", true) }
            do { try writer.write(w.finish()) } catch { return .failed(SinkFailure("\(error)", retryable: false)) }
        }
        // Flushed here: route's other output may go to a file (`--output`), so nothing else flushes stdout.
        do { try writer.flush() } catch { return .failed(SinkFailure("\(error)", retryable: false)) }
        return .sent(ref: nil)
    }
}

import LookoutCore

/// Ping is one signal a job sent to its heartbeat URL, healthchecks.io-style.
public struct Ping: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// `/ping/<token>`: the job ran and succeeded.
        case success
        /// `/ping/<token>/start`: the job started; grace becomes the longest allowed run time.
        case start
        /// `/ping/<token>/fail`, or a non-zero `/ping/<token>/<exit-code>`.
        case fail
    }

    public var checkID: String
    public var at: Timestamp
    public var kind: Kind
    public var exitCode: Int?
    /// The request body, capped by the receiver (a job's log tail, or a host-metrics push).
    public var body: [UInt8]

    public init(checkID: String, at: Timestamp, kind: Kind, exitCode: Int? = nil, body: [UInt8] = []) {
        self.checkID = checkID; self.at = at; self.kind = kind; self.exitCode = exitCode; self.body = body
    }
}

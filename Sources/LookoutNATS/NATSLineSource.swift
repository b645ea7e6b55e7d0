import CNats
import Foundation
import Logging
import LookoutCore

/// NATSLineSource reads a subject of the JetStream stream with an ordered push consumer that starts just after the
/// committed stream sequence: each message is one line, numbered by its stream sequence. Ordered and ephemeral
/// rather than durable, because the position that matters is the one the stage commits in its own SQLite
/// transaction, not one the server acknowledges separately (docs/scaling.md). After a reconnection, or any error,
/// it subscribes again from the last sequence it delivered, so nothing is skipped or delivered twice.
final class NATSLineSource: SequencedLineSource {
    let maxLineBytes = 16 << 20
    private let jetStream: JetStream
    private let stream: String
    private let subject: String
    private let follow: Bool
    private let stop: StopFlag
    private let logger: Logger
    private(set) var lastSequence: UInt64
    /// Without `follow`: the stream's last sequence at start, where reading ends.
    private var endSequence: UInt64?
    /// Lines delivered before a batch end is offered.
    private let batchLines = 4096
    private let pollMilliseconds: Int64 = 200

    init(jetStream: JetStream, stream: String, subject: String, after: UInt64, follow: Bool, stop: StopFlag, logger: Logger) throws {
        self.jetStream = jetStream
        self.stream = stream
        self.subject = subject
        self.follow = follow
        self.stop = stop
        self.logger = logger
        lastSequence = after
        if !follow { endSequence = try jetStream.lastSequence(stream: stream) ?? 0 }
    }

    func lines(_ handle: (LineReader.Event) throws -> Bool) throws {
        var subscription: OpaquePointer?
        var subscribedAt = -1
        defer { close(subscription) }
        var pending = 0
        var wait = pollMilliseconds
        var idlePolls = 0
        var caughtUp = false
        while !stop.isSet, !caughtUp {
            if let end = endSequence, lastSequence >= end { break }
            let reconnects = jetStream.connection.reconnects
            if subscription == nil || reconnects != subscribedAt {
                close(subscription)
                subscription = nil
                do {
                    subscription = try subscribe(from: lastSequence + 1)
                    subscribedAt = reconnects
                } catch let e as NATSError where e.isUnreachable {
                    try jetStream.connection.throwIfRefused()
                    logger.warning("\(e); trying again")
                    stop.sleep(0.5)
                    continue
                }
            }
            var message: OpaquePointer?
            let status = natsSubscription_NextMsg(&message, subscription, wait)
            if status == NATS_TIMEOUT {
                // Without --follow, a subject with nothing more to deliver ends the run after a short quiet spell.
                if !follow, wait > 0 { idlePolls += 1; if idlePolls >= 10 { break } }
                if pending > 0 {
                    pending = 0
                    guard try handle(.batchEnd) else { return }
                }
                wait = pollMilliseconds
                continue
            }
            guard status == NATS_OK, let message else {
                try jetStream.connection.throwIfRefused()
                var ignored = NATS_OK
                let detail = nats_GetLastError(&ignored).map { String(cString: $0) } ?? ""
                logger.warning("reading \(subject): \(String(cString: natsStatus_GetText(status))) \(detail); subscribing again from \(lastSequence + 1)")
                close(subscription)
                subscription = nil
                stop.sleep(0.2)
                continue
            }
            defer { natsMsg_Destroy(message) }
            var meta: UnsafeMutablePointer<jsMsgMetaData>?
            guard natsMsg_GetMetaData(&meta, message) == NATS_OK, let meta else { continue }  // not a stream message
            let sequence = meta.pointee.Sequence.Stream
            if !follow && meta.pointee.NumPending == 0 { caughtUp = true }
            jsMsgMetaData_Destroy(meta)
            idlePolls = 0
            guard sequence > lastSequence else { continue }  // already delivered (a re-subscription's overlap)
            lastSequence = sequence
            let count = Int(natsMsg_GetDataLength(message))
            pending += 1
            wait = 0  // take what is already buffered, then end the batch
            let keepGoing: Bool
            if count > maxLineBytes {
                keepGoing = try handle(.oversized(number: Int(sequence), bytes: count))
            } else {
                let data = natsMsg_GetData(message)
                let bytes = data.map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self) }
                var buffer = UnsafeBufferPointer(start: count > 0 ? bytes : nil, count: count)
                // One message is one line: a trailing newline (or CRLF) a publisher may add is not part of it.
                while let last = buffer.last, last == 0x0A || last == 0x0D { buffer = UnsafeBufferPointer(rebasing: buffer.dropLast()) }
                keepGoing = try handle(.line(InputLine(bytes: buffer, number: Int(sequence), endOffset: Int64(sequence))))
            }
            guard keepGoing else { return }
            if pending >= batchLines {
                pending = 0
                guard try handle(.batchEnd) else { return }
            }
        }
        if pending > 0 { _ = try handle(.batchEnd) }
    }

    private func subscribe(from sequence: UInt64) throws -> OpaquePointer {
        var options = jsSubOptions()
        try natsCheck(jsSubOptions_Init(&options), "subscription options")
        options.Ordered = true
        if sequence > 1 {
            options.Config.DeliverPolicy = js_DeliverByStartSequence
            options.Config.OptStartSeq = sequence
        } else {
            options.Config.DeliverPolicy = js_DeliverAll
        }
        var subscription: OpaquePointer?
        var code = jsErrCode(rawValue: 0)
        let status = stream.withCString { name in
            options.Stream = name
            return js_SubscribeSync(&subscription, jetStream.js, subject, nil, &options, &code)
        }
        try natsCheck(status, "cannot read \(subject) from stream \(stream) at sequence \(sequence)")
        // The defaults (65536 messages, 64 MiB) would drop messages as a slow consumer while a batch commits.
        _ = natsSubscription_SetPendingLimits(subscription, 1_000_000, 512 << 20)
        return subscription!
    }

    private func close(_ subscription: OpaquePointer?) {
        guard let subscription else { return }
        _ = natsSubscription_Unsubscribe(subscription)
        natsSubscription_Destroy(subscription)
    }
}

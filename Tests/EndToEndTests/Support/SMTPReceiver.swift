import Foundation
import NIOCore
import NIOPosix

/// SMTPReceiver is a minimal real SMTP server on 127.0.0.1 (ephemeral port) that accepts every message and records
/// the envelope and the data, standing in for a helpdesk's mail intake. `reject` answers DATA with a temporary
/// failure for the first n messages.
final class SMTPReceiver: @unchecked Sendable {
    struct Mail: Sendable {
        var from: String
        var recipients: [String]
        var data: String

        /// A header's value (first occurrence), unfolded.
        func header(_ name: String) -> String? {
            for line in data.components(separatedBy: "\r\n") {
                if line.isEmpty { return nil }
                if line.lowercased().hasPrefix(name.lowercased() + ":") { return String(line.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
            }
            return nil
        }
        var body: String { data.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n") }
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: Channel?
    private let lock = NSLock()
    private var received: [Mail] = []
    private var rejectsLeft: Int
    private(set) var port = 0

    init(rejectFirst: Int = 0) throws {
        rejectsLeft = rejectFirst
        let channel = try ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in channel.pipeline.addHandler(Session(receiver: self)) }
            .bind(host: "127.0.0.1", port: 0).wait()
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    var mails: [Mail] { lock.withLock { received } }

    func shutdown() {
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }

    fileprivate func accept(_ mail: Mail) -> Bool {
        lock.withLock {
            if rejectsLeft > 0 {
                rejectsLeft -= 1
                return false
            }
            received.append(mail)
            return true
        }
    }

    private final class Session: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let receiver: SMTPReceiver
        var pending = ""
        var inData = false
        var mail = Mail(from: "", recipients: [], data: "")

        init(receiver: SMTPReceiver) { self.receiver = receiver }

        func reply(_ context: ChannelHandlerContext, _ text: String) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text + "\r\n")), promise: nil)
        }

        func channelActive(context: ChannelHandlerContext) { reply(context, "220 lookout-test ESMTP") }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            pending += buffer.readString(length: buffer.readableBytes) ?? ""
            while let range = pending.range(of: "\r\n") {
                let line = String(pending[..<range.lowerBound])
                pending.removeSubrange(..<range.upperBound)
                handle(line, context)
            }
        }

        func handle(_ line: String, _ context: ChannelHandlerContext) {
            if inData {
                if line == "." {
                    inData = false
                    reply(context, receiver.accept(mail) ? "250 2.0.0 queued" : "451 4.3.0 try again later")
                    mail = Mail(from: "", recipients: [], data: "")
                } else {
                    mail.data += (line.hasPrefix("..") ? String(line.dropFirst()) : line) + "\r\n"
                }
                return
            }
            let upper = line.uppercased()
            if upper.hasPrefix("EHLO") { reply(context, "250-lookout-test\r\n250-8BITMIME\r\n250 SIZE 10485760") }
            else if upper.hasPrefix("HELO") { reply(context, "250 lookout-test") }
            else if upper.hasPrefix("MAIL FROM:") { mail.from = String(line.dropFirst(10)).trimmingCharacters(in: CharacterSet(charactersIn: " <>")); reply(context, "250 2.1.0 ok") }
            else if upper.hasPrefix("RCPT TO:") { mail.recipients.append(String(line.dropFirst(8)).trimmingCharacters(in: CharacterSet(charactersIn: " <>"))); reply(context, "250 2.1.5 ok") }
            else if upper == "DATA" { inData = true; reply(context, "354 end with .") }
            else if upper == "QUIT" { reply(context, "221 bye"); context.close(promise: nil) }
            else if upper == "RSET" { mail = Mail(from: "", recipients: [], data: ""); reply(context, "250 ok") }
            else { reply(context, "250 ok") }
        }
    }
}

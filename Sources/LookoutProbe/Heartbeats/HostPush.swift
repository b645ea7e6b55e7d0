import AsyncHTTPClient
import Foundation
import LookoutCore
import NIOCore

/// HostPush posts a host-metrics document to a heartbeat URL: what `probe push` does from cron on a client server.
/// The URL holds the check's token, so it is registered as a secret and never printed.
public enum HostPush {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Posts `body` as JSON; throws with a one-line, redacted reason unless the receiver answers 2xx.
    public static func send(_ body: JSONValue, to url: String, timeout: TimeSpan) async throws {
        Redactor.shared.register(url)
        if let problem = url.httpURLProblem { throw Failure(description: "the URL \(problem)") }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "lookout-probe-push/\(Stage.version)")
        var bytes: [UInt8] = []
        body.append(to: &bytes)
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let started = ContinuousClock.now
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(timeout.milliseconds))
            _ = try? await response.body.collect(upTo: 4096)
            guard (200..<300).contains(Int(response.status.code)) else {
                throw Failure(description: "the receiver answered \(response.status.code) \(response.status.reasonPhrase)")
            }
        } catch let f as Failure {
            throw f
        } catch {
            // In the words the probe's HTTP checks use ("connection refused"), not NIO's error dump.
            let ms = (ContinuousClock.now - started).fractionalMilliseconds
            throw Failure(description: Redactor.shared.redact(
                "cannot reach the receiver: \(HTTPRequestSpec.describe(error, elapsedMs: ms, timeout: timeout))"))
        }
    }
}

@testable import LookoutCore
import LookoutRoute
import Testing

/// A URL the HTTP client would trap on (a port over 65535) is refused at load and, should one still reach the send
/// path (a delivery queued under an older config), answered as a dead letter instead of crashing route.
@Suite struct HTTPURLTests {
    @Test(arguments: [
        ("https://hooks.slack.com/services/T/B/x", nil),
        ("http://127.0.0.1:8080/ping", nil),
        ("http://user:pass@127.0.0.1:65535/", nil),
        ("http://[::1]:443/", nil),
        ("http://[::1]/", nil),
        ("http://127.0.0.1:99999/", "has port 99999, outside 1...65535"),
        ("http://127.0.0.1:0/", "has port 0, outside 1...65535"),
        ("http://127.0.0.1:65536?x=1", "has port 65536, outside 1...65535"),
        ("http://127.0.0.1:99999999999999999999999999/", "has port 99999999999999999999999999, outside 1...65535"),
        ("http://[::1]:70000/", "has port 70000, outside 1...65535"),
        ("ftp://acme.example/", "must be an http:// or https:// URL"),
        ("http:///path", "has no host"),
    ] as [(String, String?)])
    func problem(url: String, expected: String?) {
        #expect(url.httpURLProblem == expected)
    }

    @Test func theTransportAnswersABadPortAsADeadLetterInsteadOfTrapping() async {
        let result = await AsyncHTTPTransport().execute(SinkRequest(method: "POST", url: "http://127.0.0.1:99999/hook"))
        guard case .failure(let failure) = result else { Issue.record("sent to port 99999"); return }
        #expect(!failure.retryable)
        #expect(failure.message == "POST not sent: the URL has port 99999, outside 1...65535")
    }
}

import Testing
@testable import Lookout

@Suite struct DNSProbeTests {
    @Test func resolvesLocalhost() async throws {
        let check = try ProbeTestSupport.check("- id: acme-dns\n  dns: localhost\n  expect: [\"127.0.0.1\"]")
        let o = await ProbeTestSupport.run(check)
        #expect(o.ok && o.failed.isEmpty)
        #expect(o.details.first?.value.arrayValue?.contains(.string("127.0.0.1")) == true)
    }

    @Test func unexpectedAddressFailsNamed() async throws {
        let check = try ProbeTestSupport.check("- id: acme-dns\n  dns: localhost\n  expect: [\"127.0.0.1\", \"203.0.113.10\"]")
        let o = await ProbeTestSupport.run(check)
        #expect(!o.ok)
        #expect(o.failed == ["expect: 203.0.113.10"])
        #expect(o.error?.hasPrefix("localhost A is 127.0.0.1") == true)
    }

    @Test func unknownNameFails() async throws {
        // `.invalid` is reserved (RFC 6761): resolvers must answer "no such name" without asking the network.
        let check = try ProbeTestSupport.check("- id: acme-dns\n  dns: nothing.invalid\n  timeout: 3s")
        let o = await ProbeTestSupport.run(check)
        #expect(!o.ok)
        #expect(o.error?.hasPrefix("cannot resolve nothing.invalid (A)") == true || o.error?.hasPrefix("no answer") == true)
    }
}

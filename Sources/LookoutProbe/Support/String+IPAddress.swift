import Foundation
import LookoutCore

extension String {
    /// Whether this is a literal IPv4 or IPv6 address (no SNI is sent for one; a DNS server must be one).
    var isIPAddress: Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, self, &v4) == 1 || inet_pton(AF_INET6, self, &v6) == 1
    }
}

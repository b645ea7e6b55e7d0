import Foundation
import LookoutTesting

/// ServerCertificateFiles writes a throwaway CA and a server certificate it signs (for `localhost` and 127.0.0.1),
/// as PEM files a server such as `nats-server` loads, and the CA a client is given to trust.
struct ServerCertificateFiles {
    let caFile: String
    let certificateFile: String
    let keyFile: String

    init(in folder: URL, name: String = "server") throws {
        let now = Date()
        let ca = try TestCertificateAuthority(name: "Lookout Test CA \(name)", validFrom: now - 3600, until: now + 86_400)
        let server = try ca.issue(names: ["localhost"], addresses: [[127, 0, 0, 1]], validFrom: now - 3600, until: now + 86_400)
        caFile = folder.appendingPathComponent("\(name)-ca.pem").path
        certificateFile = folder.appendingPathComponent("\(name).pem").path
        keyFile = folder.appendingPathComponent("\(name)-key.pem").path
        try ca.caPEM.write(toFile: caFile, atomically: true, encoding: .utf8)
        try server.certificatePEM.write(toFile: certificateFile, atomically: true, encoding: .utf8)
        try server.keyPEM.write(toFile: keyFile, atomically: true, encoding: .utf8)
    }
}

import Crypto
import Foundation
import X509

/// TestCertificateAuthority is a throwaway CA made in a test, and the server certificates it signs, as PEM text: for
/// loopback TLS servers (the tls kind's tests, `nats-server`) and the CA file a client is told to trust.
public struct TestCertificateAuthority {
    public let caPEM: String
    private let key: P256.Signing.PrivateKey
    private let name: DistinguishedName

    public init(name commonName: String = "Lookout Test CA", validFrom: Date, until: Date) throws {
        key = P256.Signing.PrivateKey()
        name = try DistinguishedName { CommonName(commonName) }
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: validFrom, notValidAfter: until, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: .init(key))
        caPEM = try ca.serializeAsPEM().pemString
    }

    /// A server certificate for `names` (the first is the subject) and `addresses`, and its private key.
    public func issue(names: [String], addresses: [[UInt8]] = [], validFrom: Date, until: Date) throws -> (certificatePEM: String, keyPEM: String) {
        let serverKey = P256.Signing.PrivateKey()
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(serverKey.publicKey),
            notValidBefore: validFrom, notValidAfter: until, issuer: name,
            subject: try DistinguishedName { CommonName(names.first ?? "localhost") }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names.map { GeneralName.dnsName($0) } + addresses.map { .ipAddress(.init(contentBytes: $0[...])) })
            },
            issuerPrivateKey: .init(key))
        return (try leaf.serializeAsPEM().pemString, serverKey.pemRepresentation)
    }
}

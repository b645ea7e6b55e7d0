import Crypto
import Foundation

/// ActionLink is a one-tap action on an incident, as a URL a chat message carries: the action, the incident, when
/// it expires and an HMAC-SHA256 signature over the three with the `actions` key (docs/actions.md). `route` makes
/// them; the heartbeat receiver (`probe --listen`) checks them and, on a confirmed POST, appends the control line.
public struct ActionLink: Sendable, Equatable {
    /// What a link does: acknowledge the incident, or silence its check for `actions.silence_for`.
    public enum Action: String, Sendable, CaseIterable { case ack, silence }

    public var action: Action
    public var incident: String
    /// Whole seconds: the link's text carries epoch seconds.
    public var expires: Timestamp
    /// The signature, base64url without padding (43 characters for SHA-256).
    public var signature: String

    /// The link's last path segment: `<action>.<expires in epoch seconds>.<incident, base64url>.<signature>`. Only
    /// letters, digits, `-`, `_` and `.`, so no chat client or mail scanner mangles it: Slack's mobile app turns the
    /// `&` of a query into `&amp;` (slackapi/bolt-js #2103), and an incident id's `/` would need escaping.
    public var token: String {
        "\(action.rawValue).\(expires.milliseconds / 1000).\(Data(incident.utf8).base64URLEncoded).\(signature)"
    }

    /// The link as the receiver serves it: `<public_url>/act/<token>`.
    public func url(base: String) -> String { "\(base)/act/\(token)" }

    /// The longest token the receiver reads; a real one is about 100 characters.
    public static let maxTokenLength = 1024

    /// A link as it came back in a request, before its signature is checked; nil when malformed, which the receiver
    /// treats like a forged link.
    public init?(token: String) {
        guard token.utf8.count <= ActionLink.maxTokenLength else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, let action = Action(rawValue: String(parts[0])),
              parts[1].utf8.count <= 12, let seconds = Int64(parts[1]), seconds > 0,
              let bytes = Data(base64URLEncoded: String(parts[2])), let incident = String(data: bytes, encoding: .utf8), !incident.isEmpty,
              !parts[3].isEmpty else { return nil }
        self.init(action: action, incident: incident, expires: Timestamp(milliseconds: seconds * 1000), signature: String(parts[3]))
    }

    public init(action: Action, incident: String, expires: Timestamp, signature: String) {
        self.action = action; self.incident = incident; self.expires = expires; self.signature = signature
    }
}

/// ActionSigner signs and checks action links with the `actions` key.
public struct ActionSigner: Sendable {
    /// The key's bytes (swift-crypto's `SymmetricKey` is not `Sendable`; one is made per use, which costs nothing
    /// next to the HMAC).
    private let keyBytes: Data
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public init(key: Secret) { keyBytes = Data(key.value.utf8) }

    /// The signed bytes: a version tag and the three fields, newline-separated (an incident id holds no newline that
    /// could shift a field: ids are check ids, which are refused with one, and digits).
    static func message(_ action: ActionLink.Action, _ incident: String, _ expires: Timestamp) -> Data {
        Data("lookout-action-v1\n\(action.rawValue)\n\(incident)\n\(expires.milliseconds / 1000)".utf8)
    }

    /// A link for `action` on `incident`, valid until `expires` (rounded down to the second).
    public func link(_ action: ActionLink.Action, incident: String, expires: Timestamp) -> ActionLink {
        let seconds = Timestamp(milliseconds: expires.milliseconds / 1000 * 1000)
        return ActionLink(action: action, incident: incident, expires: seconds, signature: sign(ActionSigner.message(action, incident, seconds)))
    }

    /// Whether the link's signature is the key's over its fields.
    public func isAuthentic(_ link: ActionLink) -> Bool {
        verify(link.signature, ActionSigner.message(link.action, link.incident, link.expires))
    }

    /// The HMAC of `message`, base64url: every link's signature (action and screenshot links).
    func sign(_ message: Data) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: message, using: key)).base64URLEncoded
    }

    /// Whether `signature` is the HMAC of `message`. The comparison is swift-crypto's, in constant time, so response
    /// timing says nothing about how much of a forged signature was right.
    func verify(_ signature: String, _ message: Data) -> Bool {
        guard let mac = Data(base64URLEncoded: signature) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message, using: key)
    }
}

extension Data {
    /// Base64url without padding (RFC 4648 §5): safe in a URL query as it is.
    package var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes base64url without padding; nil for any other character.
    package init?(base64URLEncoded text: String) {
        guard text.utf8.allSatisfy({ c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 95
        }) else { return nil }
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
        self.init(base64Encoded: b64)
    }
}

import Foundation

/// ScreenshotLink is a signed, expiring link to the PNG a failed browser check left (docs/actions.md, *Screenshot
/// links*): the file's name in probe's screenshots folder (`CHECK/CHECK-20261125T080000.000Z.png`), when the link
/// expires and an HMAC-SHA256 signature with the `actions` key. `route` puts it in chat messages; the heartbeat
/// receiver serves the file at `GET /shot/<token>`. Unlike an `ActionLink` it changes nothing and is never used up.
public struct ScreenshotLink: Sendable, Equatable {
    /// The file, relative to the screenshots folder: the check's folder, `/`, the file.
    public var name: String
    /// Whole seconds: the link's text carries epoch seconds.
    public var expires: Timestamp
    /// The signature, base64url without padding.
    public var signature: String

    /// The token's first field; no `ActionLink.Action` is spelt so, so `ActionLink(token:)` refuses it.
    public static let tag = "shot"

    /// The link's last path segment: `shot.<expires in epoch seconds>.<name, base64url>.<signature>`, in the
    /// characters `ActionLink.token` uses, for the same reasons.
    public var token: String {
        "\(ScreenshotLink.tag).\(expires.milliseconds / 1000).\(Data(name.utf8).base64URLEncoded).\(signature)"
    }

    /// The link as the receiver serves it: `<public_url>/shot/<token>`.
    public func url(base: String) -> String { "\(base)/shot/\(token)" }

    /// A link as it came back in a request, before its signature is checked; nil when malformed (the receiver treats
    /// it like a forged link), including any name that is not two plain path components.
    public init?(token: String) {
        guard token.utf8.count <= ActionLink.maxTokenLength else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == ScreenshotLink.tag,
              parts[1].utf8.count <= 12, let seconds = Int64(parts[1]), seconds > 0,
              let bytes = Data(base64URLEncoded: String(parts[2])), let name = String(data: bytes, encoding: .utf8),
              ScreenshotLink.isPlainName(name), !parts[3].isEmpty else { return nil }
        self.init(name: name, expires: Timestamp(milliseconds: seconds * 1000), signature: String(parts[3]))
    }

    public init(name: String, expires: Timestamp, signature: String) {
        self.name = name; self.expires = expires; self.signature = signature
    }

    /// The name of the screenshot probe wrote at `path` (`details.screenshot`, copied onto the incident line), for
    /// `check`: the path's last two components, when they are the check's folder and a PNG named after the check.
    /// nil for any other path, which then gets no link.
    public static func name(ofPath path: String, check: String) -> String? {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count >= 2 else { return nil }
        let name = components.suffix(2).joined(separator: "/")
        guard components[components.count - 2] == check, components[components.count - 1].hasPrefix(check + "-"),
              isPlainName(name) else { return nil }
        return name
    }

    /// Two components of the characters check ids allow (letters, digits, `-`, `_`, `.`), neither `.` nor `..`,
    /// the second a `.png`: nothing that can leave a folder, whatever the receiver does next.
    static func isPlainName(_ name: String) -> Bool {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count == 2, name.utf8.count <= 512, components[1].hasSuffix(".png") else { return false }
        return components.allSatisfy { part in
            !part.isEmpty && part != "." && part != ".." && part.utf8.allSatisfy { c in
                (c >= 48 && c <= 57) || (c | 0x20 >= 97 && c | 0x20 <= 122) || c == 45 || c == 95 || c == 46
            }
        }
    }
}

extension ActionSigner {
    /// The signed bytes: the action links' version tag, then `screenshot` where an action link has its action, so a
    /// screenshot link's signature can never pass for an ack's or a silence's, nor the other way round.
    static func message(screenshot name: String, _ expires: Timestamp) -> Data {
        Data("lookout-action-v1\nscreenshot\n\(name)\n\(expires.milliseconds / 1000)".utf8)
    }

    /// A link to the screenshot `name`, valid until `expires` (rounded down to the second).
    public func screenshotLink(name: String, expires: Timestamp) -> ScreenshotLink {
        let seconds = Timestamp(milliseconds: expires.milliseconds / 1000 * 1000)
        return ScreenshotLink(name: name, expires: seconds, signature: sign(ActionSigner.message(screenshot: name, seconds)))
    }

    /// Whether the link's signature is the key's over its name and expiry (in constant time, as for action links).
    public func isAuthentic(_ link: ScreenshotLink) -> Bool {
        verify(link.signature, ActionSigner.message(screenshot: link.name, link.expires))
    }
}

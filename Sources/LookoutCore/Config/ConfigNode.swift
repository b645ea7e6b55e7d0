import Foundation
import Yams

/// ConfigNode is one YAML node with its file and line, read with checks that name the line on every mistake.
///
/// Config is decoded by walking Yams' node tree rather than with `Codable`, because Codable loses line numbers and
/// silently turns a YAML number into a string (`timezone: 3` would become "3").
public struct ConfigNode {
    public let node: Node
    public let file: String
    /// The dotted path of this node, for messages: `sites[0].checks[1].expect`.
    public let path: String

    public init(node: Node, file: String, path: String = "") {
        self.node = node
        self.file = file
        self.path = path
    }

    public var line: Int { node.mark?.line ?? 1 }

    public func error(_ message: String) -> ConfigError { ConfigError(file: file, line: line, message: message) }

    var label: String { path.isEmpty ? "the top level" : path }

    /// The line where `key` is given a second time at the same indentation, searching from line `start`: the line a
    /// duplicate-key error belongs on (the parser reports only the mapping's line).
    static func secondKeyLine(_ key: String, in yaml: String, from start: Int) -> Int? {
        var first: Int?
        // "\r\n" is one Character, not "\n": split on both, or a file with Windows line ends is one line.
        for (k, raw) in yaml.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated()
        where k + 1 >= start {
            var text = Substring(raw)
            var indent = text.prefix { $0 == " " }.count
            text = text.dropFirst(indent)
            if text.hasPrefix("- ") { text = text.dropFirst(2); indent += 2 }
            for quoted in [key, "\"\(key)\"", "'\(key)'"] where text.hasPrefix(quoted) {
                guard text.dropFirst(quoted.count).drop(while: { $0 == " " }).first == ":" else { continue }
                if let f = first, f == indent { return k + 1 }
                if first == nil { first = indent }
            }
        }
        return nil
    }

    /// Refuses what the YAML reader would misplace, on its own line (lines end at `\n`, so `\r\n` files count
    /// as editors count them): a control character other than tab, newline and carriage return (the reader reports
    /// one at line 1), and a carriage return without its line feed (the reader counts it as a line break, so every
    /// later error named a line past where it was; found by fuzz/run). Returns the number of the last line: libyaml
    /// puts a problem it finds at the end of the text (a key without its colon on the last line, an unclosed
    /// bracket) on the line after the last, which the file does not have.
    static func checkLineBreaksAndControls(_ yaml: String, file: String) throws -> Int {
        var line = 1
        var previous: UInt8 = 0x0A
        var bytes = yaml.utf8.makeIterator()
        var next = bytes.next()
        while let byte = next {
            next = bytes.next()
            switch byte {
            case 0x0A: line += 1
            case 0x0D where next != 0x0A:
                throw ConfigError(file: file, line: line, message: "invalid YAML: a carriage return without a line feed; save the file with \\n or \\r\\n line ends")
            case 0x09, 0x0D: break
            case ..<0x20, 0x7F:
                throw ConfigError(file: file, line: line, message: String(format: "invalid YAML: control character U+%04X", byte))
            default: break
            }
            previous = byte
        }
        return previous == 0x0A ? max(1, line - 1) : line
    }

    /// Parses YAML text into its root node; syntax errors carry their line.
    public static func parse(yaml: String, file: String) throws -> ConfigNode {
        let lastLine = try checkLineBreaksAndControls(yaml, file: file)
        do {
            // No resolver while composing: tags are resolved on demand by `tagName` (YAMLPlainTag), not by regular
            // expressions on every key and value.
            guard let root = try Yams.compose(yaml: yaml, .basic) else {
                throw ConfigError(file: file, line: 1, message: "the config is empty")
            }
            return ConfigNode(node: root, file: file)
        } catch let e as YamlError {
            switch e {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                 .composer(_, let problem, let mark, _):
                throw ConfigError(file: file, line: min(mark.line, lastLine), message: "invalid YAML: \(problem)")
            case .duplicatedKeysInMapping(let duplicates, let context):
                let key = duplicates.first ?? ""
                throw ConfigError(file: file, line: ConfigNode.secondKeyLine(key, in: yaml, from: context.mark.line) ?? context.mark.line,
                                  message: "duplicate key \"\(key)\"")
            default:
                throw ConfigError(file: file, line: 1, message: "invalid YAML: \(e)")
            }
        }
    }

    public func mapping(allowing keys: Set<String>) throws -> ConfigMapping {
        guard case .mapping(let m) = node else { throw error("\(label) must be a mapping") }
        var entries: [(key: String, keyLine: Int, value: ConfigNode)] = []
        for (k, v) in m {
            guard case .scalar(let s) = k else { throw ConfigNode(node: k, file: file).error("keys must be plain names") }
            let key = s.string
            let keyLine = k.mark?.line ?? line
            guard keys.contains(key) else {
                let known = keys.sorted().joined(separator: ", ")
                throw ConfigError(file: file, line: keyLine, message: "unknown key \"\(key)\" in \(label) (known: \(known))")
            }
            if entries.contains(where: { $0.key == key }) {
                throw ConfigError(file: file, line: keyLine, message: "duplicate key \"\(key)\" in \(label)")
            }
            entries.append((key, keyLine, ConfigNode(node: v, file: file, path: path.isEmpty ? key : "\(path).\(key)")))
        }
        return ConfigMapping(owner: self, entries: entries)
    }

    /// A mapping whose keys are names chosen by the user (tiers, headers), in document order.
    public func namedEntries() throws -> [(name: String, value: ConfigNode)] {
        guard case .mapping(let m) = node else { throw error("\(label) must be a mapping") }
        var out: [(String, ConfigNode)] = []
        for (k, v) in m {
            guard case .scalar(let s) = k else { throw ConfigNode(node: k, file: file).error("keys must be plain names") }
            if out.contains(where: { $0.0 == s.string }) {
                throw ConfigNode(node: k, file: file).error("duplicate key \"\(s.string)\" in \(label)")
            }
            out.append((s.string, ConfigNode(node: v, file: file, path: "\(path).\(s.string)")))
        }
        return out
    }

    public func sequence() throws -> [ConfigNode] {
        guard case .sequence(let s) = node else { throw error("\(label) must be a list") }
        return s.enumerated().map { ConfigNode(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    /// A list, or a single item standing for a list of one.
    public func list() throws -> [ConfigNode] {
        if case .sequence = node { return try sequence() }
        return [self]
    }

    private var scalar: Node.Scalar? { if case .scalar(let s) = node { s } else { nil } }

    /// A string: quoted, or plain text YAML does not read as a number, boolean or null.
    public func string() throws -> String {
        guard let s = scalar else { throw error("\(label) must be a string") }
        guard s.style != .plain || tagName == .str else {
            throw error("\(label) must be a string, not \(describeTag()) \(s.string); quote it if you mean text")
        }
        return s.string
    }

    /// The text of any scalar, for values with their own syntax (times such as 07:00, which YAML 1.1 reads as a number).
    public func scalarText() throws -> String {
        guard let s = scalar else { throw error("\(label) must be a single value") }
        return s.string
    }

    public func int() throws -> Int {
        guard let s = scalar, tagName == .int || s.style != .plain, let v = Int(s.string) else {
            throw error("\(label) must be a whole number")
        }
        return v
    }

    /// A whole number within `range`: every count the config accepts has a bound, so no sum or product a stage
    /// makes of it can overflow.
    public func int(in range: ClosedRange<Int>) throws -> Int {
        let v = try int()
        guard range.contains(v) else { throw error("\(label) must be between \(range.lowerBound) and \(range.upperBound)") }
        return v
    }

    public func double() throws -> Double {
        guard let s = scalar, [.int, .float].contains(tagName), let v = Double(s.string) else {
            throw error("\(label) must be a number")
        }
        return v
    }

    public func bool() throws -> Bool {
        guard let s = scalar, tagName == .bool else { throw error("\(label) must be true or false") }
        return ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"].contains(s.string)
    }

    /// A span written as `30s`, `5m`, `1h30m`, `250ms`, `2d`, at most `TimeSpan.maxConfigured`: every sum, product
    /// and deadline the stages compute from a configured span then stays far inside Int64 milliseconds.
    public func duration() throws -> TimeSpan {
        guard let s = scalar, let d = TimeSpan(parsing: s.string) else {
            throw error("\(label) must be a duration such as 30s, 5m, 1h30m or 250ms")
        }
        guard d <= TimeSpan.maxConfigured else { throw error("\(label) must be at most \(TimeSpan.maxConfigured) (got \(s.string))") }
        return d
    }

    /// The resolved YAML tag, as Yams' default resolver gives it (Yams keeps `Tag.name` internal; its raw value is
    /// public). The tree is composed without a resolver, so a plain scalar's tag is still implicit here.
    package var tagName: Tag.Name {
        guard let s = scalar else { return Tag.Name(rawValue: node.tag.rawValue) }
        switch s.tag.rawValue {
        case Tag.Name.implicit.rawValue: return YAMLPlainTag.resolve(s.string)
        case Tag.Name.nonSpecific.rawValue: return .str
        case let raw: return Tag.Name(rawValue: raw)
        }
    }

    private func describeTag() -> String {
        switch tagName {
        case .int, .float: "the number"
        case .bool: "the boolean"
        case .null: "null"
        default: "the value"
        }
    }
}

/// ConfigMapping is a YAML mapping whose keys have been checked against the allowed set.
public struct ConfigMapping {
    public let owner: ConfigNode
    public let entries: [(key: String, keyLine: Int, value: ConfigNode)]

    public subscript(key: String) -> ConfigNode? { entries.first(where: { $0.key == key })?.value }

    public func has(_ key: String) -> Bool { self[key] != nil }

    public func required(_ key: String) throws -> ConfigNode {
        guard let v = self[key] else { throw owner.error("\(owner.path.isEmpty ? "the config" : owner.path) needs \"\(key)\"") }
        return v
    }

    public func keyLine(_ key: String) -> Int { entries.first(where: { $0.key == key })?.keyLine ?? owner.line }

    /// A secret given as `key: ${ENV_VAR}` or `key_file: /path`; a literal value in the config text is refused,
    /// so no credential ever needs to be written into a config file.
    public func secret(_ key: String, environment: [String: String]) throws -> Secret? {
        if let fileNode = self["\(key)_file"] {
            let path = try fileNode.string()
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw fileNode.error("cannot read \(key)_file \(path)")
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw fileNode.error("\(key)_file \(path) is empty") }
            return Secret(value, source: "file \(path)")
        }
        guard let node = self[key] else { return nil }
        let text = try node.string()
        guard let name = Secret.environmentReference(text) else {
            throw node.error("\(key) is a secret: write ${ENV_VAR} or \(key)_file: PATH, never the value itself")
        }
        guard let value = environment[name], !value.isEmpty else {
            throw node.error("environment variable \(name) for \(key) is not set")
        }
        return Secret(value, source: "environment variable \(name)")
    }
}

import Foundation
import LookoutCore

/// JSONPathAssertion is one comparison on a JSON document, written `PATH OP VALUE`:
///
/// - PATH starts at `$` and steps by `.name`, `["any key"]` or `[index]`: `$.checks.db`, `$.disk["/"].used_pct`,
///   `$.servers[0].status`.
/// - OP is `==`, `!=`, `<`, `<=`, `>`, `>=`. Ordering compares numbers only.
/// - VALUE is a JSON literal: `"ok"`, `10`, `2.5`, `true`, `false`, `null`.
///
/// A path that leads nowhere fails the assertion (say `!= null` only after checking what you mean).
/// Shared by health checks and heartbeat metrics.
public struct JSONPathAssertion: Sendable, Equatable, CustomStringConvertible {
    public enum Step: Sendable, Equatable { case key(String), index(Int) }
    public enum Operator: String, Sendable, CaseIterable { case eq = "==", ne = "!=", le = "<=", ge = ">=", lt = "<", gt = ">" }

    /// The assertion as written, for `failed`.
    public let written: String
    public let path: [Step]
    public let op: Operator
    public let value: JSONValue

    public var description: String { written }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public init(parsing text: String) throws(ParseError) {
        written = text
        var s = Substring(text).drop(while: { $0 == " " })
        guard s.first == "$" else { throw ParseError(message: "an assertion starts with a path at $ (as in $.checks.db == \"ok\")") }
        s = s.dropFirst()
        var steps: [Step] = []
        while let c = s.first, c == "." || c == "[" {
            if c == "." {
                s = s.dropFirst()
                let name = s.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
                guard !name.isEmpty else { throw ParseError(message: "a name must follow \".\" in the path") }
                steps.append(.key(String(name)))
                s = s.dropFirst(name.count)
            } else {
                s = s.dropFirst()
                if s.first == "\"" {
                    s = s.dropFirst()
                    guard let close = s.firstIndex(of: "\"") else { throw ParseError(message: "unterminated [\"key\"] in the path") }
                    steps.append(.key(String(s[..<close])))
                    s = s[s.index(after: close)...]
                } else {
                    let digits = s.prefix(while: \.isNumber)
                    guard let i = Int(digits) else { throw ParseError(message: "[...] in the path holds a \"quoted key\" or an index") }
                    steps.append(.index(i))
                    s = s.dropFirst(digits.count)
                }
                guard s.first == "]" else { throw ParseError(message: "missing ] in the path") }
                s = s.dropFirst()
            }
        }
        path = steps
        s = s.drop(while: { $0 == " " })
        guard let op = Operator.allCases.first(where: { s.hasPrefix($0.rawValue) }) else {
            throw ParseError(message: "expected one of == != < <= > >= after the path")
        }
        self.op = op
        let literal = s.dropFirst(op.rawValue.count).trimmingCharacters(in: .whitespaces)
        guard !literal.isEmpty, let v = JSONValue.parse(literal) else {
            throw ParseError(message: "the value after \(op.rawValue) must be a JSON literal: \"text\", a number, true, false or null")
        }
        if [.lt, .le, .gt, .ge].contains(op), v.doubleValue == nil {
            throw ParseError(message: "\(op.rawValue) compares numbers; the value must be a number")
        }
        value = v
    }

    /// The value at the path, or nil when it leads nowhere.
    public func resolve(_ document: JSONValue) -> JSONValue? {
        var current = document
        for step in path {
            switch step {
            case .key(let k):
                guard let next = current[k] else { return nil }
                current = next
            case .index(let i):
                guard let a = current.arrayValue, i < a.count else { return nil }
                current = a[i]
            }
        }
        return current
    }

    /// nil when the assertion holds; otherwise one line saying what was found.
    public func failure(in document: JSONValue) -> String? {
        let pathText = written.prefix(while: { !"=!<>".contains($0) }).trimmingCharacters(in: .whitespaces)
        guard let found = resolve(document) else { return "\(pathText) not found" }
        let holds: Bool
        switch op {
        case .eq: holds = JSONPathAssertion.same(found, value)
        case .ne: holds = !JSONPathAssertion.same(found, value)
        default:
            guard let a = found.doubleValue, let b = value.doubleValue else {
                return "\(pathText) is \(found.jsonText), not a number"
            }
            holds = switch op {
            case .lt: a < b
            case .le: a <= b
            case .gt: a > b
            default: a >= b
            }
        }
        return holds ? nil : "\(pathText) is \(JSONPathAssertion.short(found)), expected \(op.rawValue) \(value.jsonText)"
    }

    /// Numbers compare by value (1 == 1.0); everything else structurally.
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = a.doubleValue, let y = b.doubleValue { return x == y }
        return a == b
    }

    static func short(_ v: JSONValue) -> String {
        let t = v.jsonText
        return t.count > 80 ? String(t.prefix(80)) + "..." : t
    }

    /// Parses a config entry, turning a syntax mistake into `FILE:LINE: message`.
    static func parse(_ node: ConfigNode) throws -> JSONPathAssertion {
        let text = try node.scalarText()
        do { return try JSONPathAssertion(parsing: text) } catch {
            throw node.error("\(node.path): \(error.message) in \(text)")
        }
    }
}

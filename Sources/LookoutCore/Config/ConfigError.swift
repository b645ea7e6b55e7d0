/// ConfigError is a configuration problem at a place in a file, printed as `FILE:LINE: message` (exit 78).
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = Redactor.shared.redact(message)
    }

    public var description: String { "\(file):\(line): \(message)" }
}

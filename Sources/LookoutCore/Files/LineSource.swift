/// LineSource is where a `StageLoop` gets its lines: a `LineReader` over a pipe or file read once, or a
/// `FileFollower` tailing a growing file.
public protocol LineSource: AnyObject {
    /// The longest line delivered; longer ones arrive as `.oversized`.
    var maxLineBytes: Int { get }
    /// Delivers lines and batch ends until the input ends or `handle` returns false.
    func lines(_ handle: (LineReader.Event) throws -> Bool) throws
}

extension LineReader: LineSource {
    public func lines(_ handle: (LineReader.Event) throws -> Bool) throws { try read(handle) }
}

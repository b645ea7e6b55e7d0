import Foundation

/// StageLoop is the read-validate-handle-flush loop every stage runs over its NDJSON input.
///
/// Each line is scanned once; a line that is not a JSON object, or that its handler refuses, is rejected with its
/// line number and the loop goes on with the next one. Output is flushed at the end of each input batch, so a
/// downstream stage sees lines as soon as they are handled.
public struct StageLoop {
    public let source: any LineSource
    public let writer: LineWriter
    public let rejects: RejectedLines
    public internal(set) var linesRead = 0
    /// Told the lines read so far at each batch's end, after `onBatchEnd` (a stage's metrics).
    public var onProgress: ((Int) -> Void)?

    public init(reader: some LineSource, writer: LineWriter, rejects: RejectedLines) {
        self.source = reader
        self.writer = writer
        self.rejects = rejects
    }

    /// Runs to the end of input. `handle` gets each valid object; it throws `EventError` to reject the line.
    /// `onBatchEnd` runs after each input batch, before its output is flushed: where a stage commits the state
    /// the batch's lines depend on.
    public mutating func run(onBatchEnd: () throws -> Void = {}, _ handle: (ScannedObject, InputLine) throws -> Void) throws {
        var fields: [JSONField] = []
        fields.reserveCapacity(32)
        var read = 0
        defer { linesRead = read }
        let rejects = self.rejects, writer = self.writer, maxLineBytes = source.maxLineBytes, onProgress = self.onProgress
        try source.lines { event in
            switch event {
            case .line(let line):
                read += 1
                if line.bytes.isEmpty || line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return true }
                do {
                    try JSONScanner.scanObject(line.bytes, into: &fields)
                    try handle(ScannedObject(bytes: line.bytes, fields: fields), line)
                } catch let e as JSONSyntaxError {
                    rejects.reject(line: line.number, reason: "not valid JSON: \(e)", bytes: line.bytes)
                } catch let e as EventError {
                    rejects.reject(line: line.number, reason: e.message, bytes: line.bytes)
                }
            case .oversized(let number, let bytes):
                read += 1
                rejects.reject(line: number, reason: "line of \(bytes) bytes exceeds the \(maxLineBytes)-byte limit", bytes: nil)
            case .batchEnd:
                try onBatchEnd()
                try writer.flush()
                onProgress?(read)
            }
            return true
        }
        try writer.flush()
    }
}

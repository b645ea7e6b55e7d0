/// EventPassThrough validates every line against the contract and writes the good ones unchanged: what a stage does
/// with lines that are not its business, and the whole job of a stage that has nothing configured to add.
public enum EventPassThrough {
    public static func handle(_ object: ScannedObject, writer: LineWriter) throws {
        _ = try AnyEvent(object)
        try writer.write(object.bytes)
    }
}

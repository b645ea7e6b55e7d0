extension String {
    /// The text a C function wrote into a fixed buffer (`inet_ntop`): the bytes before the first NUL, as UTF-8.
    init(nulTerminated buffer: [CChar]) {
        self = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

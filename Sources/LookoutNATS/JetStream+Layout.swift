import CNats
import Foundation
import LookoutCore

extension JetStream {
    /// The server's JetStream domain, or nil when it has none.
    func domain() throws(NATSError) -> String? {
        var info: UnsafeMutablePointer<jsAccountInfo>?
        var code = jsErrCode(rawValue: 0)
        try natsCheck(js_GetAccountInfo(&info, js, nil, &code), "JetStream account info")
        defer { jsAccountInfo_Destroy(info) }
        guard let domain = info?.pointee.Domain, domain.pointee != 0 else { return nil }
        return String(cString: domain)
    }

    /// The layout for this server (its domain is asked only in the leaf topology), with its stream made when missing.
    func prepare(_ settings: NATSSettings) throws -> StreamLayout {
        let layout = StreamLayout(settings: settings, domain: settings.leaves.isEmpty ? nil : try domain())
        try ensure(layout)
        return layout
    }

    /// Creates the layout's stream unless it exists; at the centre, adds to an existing stream the leaves it does not
    /// source yet (a location added to `nats.leaves`), and refuses one with subjects of its own.
    func ensure(_ layout: StreamLayout) throws {
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var code = jsErrCode(rawValue: 0)
        let status = js_GetStreamInfo(&info, js, layout.stream, nil, &code)
        if status != NATS_NOT_FOUND {
            try natsCheck(status, "stream \(layout.stream)")
            defer { jsStreamInfo_Destroy(info) }
            if layout.role == .central, let config = info?.pointee.Config { try addMissingSources(layout, to: config) }
            return
        }
        var strings = CStrings()
        defer { strings.free() }
        var config = jsStreamConfig()
        try natsCheck(jsStreamConfig_Init(&config), "stream config")
        config.Name = strings.copy(layout.stream)
        config.Storage = js_FileStorage
        config.Duplicates = layout.duplicateWindowNanos
        let subjects = strings.array(layout.subjects.map { Optional(strings.copy($0)) })
        config.Subjects = subjects
        config.SubjectsLen = Int32(layout.subjects.count)
        let sources = strings.sources(layout.sources, stream: layout.sourceStream)
        config.Sources = sources
        config.SourcesLen = Int32(layout.sources.count)
        var created: UnsafeMutablePointer<jsStreamInfo>?
        let added = js_AddStream(&created, js, &config, nil, &code)
        if added != NATS_OK && code == JSStreamNameExistErr { return }  // another process created it first
        try natsCheck(added, "cannot create stream \(layout.stream)" + (layout.subjects.isEmpty ? "" : " for \(layout.subjects.joined(separator: ", "))"))
        jsStreamInfo_Destroy(created)
    }

    private func addMissingSources(_ layout: StreamLayout, to config: UnsafeMutablePointer<jsStreamConfig>) throws {
        if config.pointee.SubjectsLen > 0 {
            let own = (0..<Int(config.pointee.SubjectsLen)).compactMap { config.pointee.Subjects[$0].map { String(cString: $0) } }
            throw StageIOError("stream \(layout.stream) on the central server has subjects of its own (\(own.joined(separator: ", "))): "
                + "with nats.leaves it must hold only what it sources, or each leaf's results are stored twice; "
                + "delete it, or name another with nats.stream")
        }
        var present = Set<String>()
        for i in 0..<Int(config.pointee.SourcesLen) {
            if let prefix = config.pointee.Sources[i]?.pointee.External?.pointee.APIPrefix { present.insert(String(cString: prefix)) }
        }
        let missing = layout.sources.filter { !present.contains(StreamLayout.apiPrefix(domain: $0)) }
        guard !missing.isEmpty else { return }
        var strings = CStrings()
        defer { strings.free() }
        let added = strings.sources(missing, stream: layout.sourceStream)
        let existing = (0..<Int(config.pointee.SourcesLen)).map { config.pointee.Sources[$0] }
        let all = strings.array(existing + (0..<missing.count).map { added[$0] })
        // The info's config owns its sources: ours go in for the update and the originals come back before it is freed.
        let (ownSources, ownCount) = (config.pointee.Sources, config.pointee.SourcesLen)
        defer { (config.pointee.Sources, config.pointee.SourcesLen) = (ownSources, ownCount) }
        config.pointee.Sources = all
        config.pointee.SourcesLen = Int32(existing.count + missing.count)
        var updated: UnsafeMutablePointer<jsStreamInfo>?
        var code = jsErrCode(rawValue: 0)
        try natsCheck(js_UpdateStream(&updated, js, config, nil, &code), "cannot add the leaves \(missing.joined(separator: ", ")) to stream \(layout.stream)")
        jsStreamInfo_Destroy(updated)
    }
}

/// CStrings owns the C memory a stream config points into, until `free()`.
private struct CStrings {
    private var blocks: [UnsafeMutableRawPointer] = []

    mutating func copy(_ string: String) -> UnsafePointer<CChar> {
        let p = strdup(string)!
        blocks.append(UnsafeMutableRawPointer(p))
        return UnsafePointer(p)
    }

    mutating func array<T>(_ items: [T]) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(items.count, 1))
        p.initialize(from: items, count: items.count)
        blocks.append(UnsafeMutableRawPointer(p))
        return p
    }

    /// One source per leaf domain, each reading `stream` through that leaf's JetStream API.
    mutating func sources(_ domains: [String], stream: String) -> UnsafeMutablePointer<UnsafeMutablePointer<jsStreamSource>?> {
        let name = copy(stream)
        let empty = copy("")
        let items: [UnsafeMutablePointer<jsStreamSource>?] = domains.map { domain in
            var external = jsExternalStream()
            _ = jsExternalStream_Init(&external)
            external.APIPrefix = copy(StreamLayout.apiPrefix(domain: domain))
            // nats.c 3.4.1 writes the deliver prefix without checking it for NULL (a crash): an empty one is none.
            external.DeliverPrefix = empty
            var source = jsStreamSource()
            _ = jsStreamSource_Init(&source)
            source.Name = name
            source.External = array([external])
            return array([source])
        }
        return array(items)
    }

    func free() { blocks.forEach { Foundation.free($0) } }
}

import ArgumentParser
import Foundation
import LookoutClassify
import LookoutCore

/// ControlOptions are what every `classify ack|silence|...` command takes: the config it validates against, the
/// control file it appends to, who is acting and, for tests and back-filling, the time to stamp.
struct ControlOptions: ParsableArguments {
    @OptionGroup var configFile: ConfigFileOption

    @Option(name: .long, help: "The control file to append to: the file classify reads (docs/classify.md, Control lines).")
    var control: String

    @Option(name: .long, help: "Stamp the line with this RFC 3339 time instead of now.")
    var at: String?

    // Not `--state`: classify itself declares that option, and the parser gives it to the parent command.
    @Option(name: .long, help: "classify's --state file: with it, an ack of an incident that is not open there is refused here (exit 65); without it, classify refuses such a line in the stream, by its line number.")
    var classifyState: String?

    func time() throws -> Timestamp {
        guard let at else { return SystemClock().now() }
        guard let t = Timestamp(rfc3339: at) else { throw ValidationError("--at must be an RFC 3339 time, got \"\(at)\"") }
        return t
    }
}

/// ControlWriter appends a command's control line to the control file (`ControlFile.append`: validated, one
/// `write(2)` on an `O_APPEND` descriptor) and says what it did.
enum ControlWriter {
    static func append(_ control: ControlEvent, options: ControlOptions, saying what: String) throws {
        let config = Stage.loadConfig(path: options.configFile.config, demo: false)
        if case .ack(let ack) = control, let state = options.classifyState {
            let open: Bool
            // Opening a missing path would create an empty state that knows no incident: say what is wrong instead.
            guard FileManager.default.fileExists(atPath: state) else { Stage.fail("\(state): no such classify state file", status: .ioError) }
            do {
                let trackers = try ClassifyStateStore(path: state).load()
                open = trackers.values.contains { $0.openIncidentID == ack.incident }
            } catch {
                Stage.fail("\(state): cannot read classify's state: \(error)", status: .ioError)
            }
            guard open else {
                Stage.fail("refused: unknown incident \"\(ack.incident)\": no open incident has that id in \(state)", status: .dataError)
            }
        }
        let line: [UInt8]
        do { line = try ControlFile.append(control, to: options.control, config: config) } catch {
            switch error {
            case .refused: Stage.fail("\(error)", status: .dataError)
            case .io: Stage.fail("\(error)", status: .ioError)
            }
        }
        FileHandle.standardOutput.write(Data(line))
        FileHandle.standardError.write(Data("\(what)\n".utf8))
    }

    /// `s-3f9a1c`: short, random, unique enough among a few live silences; a person can type it back.
    static func newID(_ prefix: String) -> String {
        prefix + "-" + String(UInt32.random(in: 0...0xFFFFFF), radix: 16).leftPadded(to: 6)
    }

    static func span(_ text: String, _ option: String) throws -> TimeSpan {
        guard let s = TimeSpan(parsing: text), s.milliseconds > 0 else {
            throw ValidationError("\(option) must be a span such as 30m, 2h or 1d, got \"\(text)\"")
        }
        return s
    }
}

extension String {
    fileprivate func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

struct AckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ack", abstract: "Acknowledge an open incident: no more reminders or escalation for it.")
    @Argument(help: "The incident id, as in its incident lines (<check>/<epoch ms>).") var incident: String
    @Option(name: .long, help: "Who acknowledges.") var by: String
    @Option(name: .long, help: "A word on what you are doing.") var text: String?
    @OptionGroup var options: ControlOptions

    func run() throws {
        try ControlWriter.append(.ack(.init(incident: incident, by: by, at: options.time(), text: text)), options: options,
                                 saying: "acknowledged \(incident) as \(by)")
    }
}

struct SilenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "silence", abstract: "Silence checks (by check, site or client) for a while: incidents open at severity none, and alert when it ends if still down.")
    @Option(name: .long, help: "Silence this check.") var check: String?
    @Option(name: .long, help: "Silence every check of this site.") var site: String?
    @Option(name: .long, help: "Silence every check of this client's sites.") var client: String?
    @Option(name: .long, help: "How long: 30m, 2h, 1d.") var `for`: String
    @Option(name: .long, help: "Start at this RFC 3339 time instead of now.") var start: String?
    @Option(name: .long, help: "Why: shown in listings.") var reason: String
    @Option(name: .long, help: "Who silences.") var by: String
    @Option(name: .long, help: "The silence's id (default: a new one).") var id: String?
    @OptionGroup var options: ControlOptions

    func validate() throws {
        guard check != nil || site != nil || client != nil else { throw ValidationError("name at least one of --check, --site, --client") }
    }

    func run() throws {
        let at = try options.time()
        var from = at
        if let start {
            guard let t = Timestamp(rfc3339: start) else { throw ValidationError("--start must be an RFC 3339 time") }
            from = t
        }
        let id = id ?? ControlWriter.newID("s")
        let w = ControlEvent.Window(kind: .silence, id: id, by: by, at: at,
                                    matchers: .init(check: check, site: site, client: client),
                                    start: from, end: from + (try ControlWriter.span(self.for, "--for")), reason: reason)
        try ControlWriter.append(.window(w), options: options, saying: "silence \(id) from \(w.start) to \(w.end)")
    }
}

struct MaintenanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "maintenance", abstract: "Start a maintenance window on a site now, for a duration.")
    @Option(name: .long, help: "The site.") var site: String
    @Option(name: .long, help: "How long: 30m, 2h.") var `for`: String
    @Option(name: .long, help: "Why.") var reason: String?
    @Option(name: .long, help: "Who starts it.") var by: String
    @Option(name: .long, help: "The window's id (default: a new one).") var id: String?
    @OptionGroup var options: ControlOptions

    func run() throws {
        let at = try options.time()
        let id = id ?? ControlWriter.newID("m")
        let w = ControlEvent.Window(kind: .maintenance, id: id, by: by, at: at, matchers: .init(site: site),
                                    start: at, end: at + (try ControlWriter.span(self.for, "--for")), reason: reason)
        try ControlWriter.append(.window(w), options: options, saying: "maintenance \(id) on \(site) from \(w.start) to \(w.end)")
    }
}

struct NoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "note", abstract: "Add a note to an incident: --public for the client (ticket comment, status page), --internal for the team.")
    @Argument(help: "The incident id.") var incident: String
    @Option(name: .long, help: "A note the client sees.") var `public`: String?
    @Option(name: .long, help: "A note only the team sees.") var `internal`: String?
    @Option(name: .long, help: "Who writes it.") var by: String
    @OptionGroup var options: ControlOptions

    func validate() throws {
        guard (self.public == nil) != (self.internal == nil) else { throw ValidationError("give exactly one of --public and --internal") }
    }

    func run() throws {
        let visibility: ControlEvent.Note.Visibility = self.public != nil ? .public : .internal
        let text = self.public ?? self.internal ?? ""
        try ControlWriter.append(.note(.init(incident: incident, visibility: visibility, text: text, by: by, at: options.time())),
                                 options: options, saying: "\(visibility.rawValue) note on \(incident)")
    }
}

/// `classify unsilence ID` (alias `cancel`): ends the silence or on-demand window `ID` of the control file now.
struct EndWindowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unsilence", abstract: "End a silence or an on-demand maintenance window now (also: cancel).",
                                                    aliases: ["cancel"])
    @Argument(help: "The silence's or window's id.") var id: String
    @Option(name: .long, help: "Who ends it.") var by: String
    @OptionGroup var options: ControlOptions

    func run() throws {
        guard let window = ControlFile.book(options.control).windows.first(where: { $0.id == id }) else {
            Stage.fail("refused: no silence or on-demand maintenance window with id \"\(id)\" in \(options.control)", status: .dataError)
        }
        try ControlWriter.append(.end(.init(kind: window.kind, id: id, by: by, at: options.time())), options: options,
                                 saying: "\(window.kind.rawValue) \(id) ended")
    }
}

extension ControlFile {
    /// The windows a control file holds, ended ones with their new end; other lines are skipped.
    static func book(_ path: String) -> ControlBook {
        guard let data = FileManager.default.contents(atPath: path) else { return ControlBook() }
        var book = ControlBook()
        for line in data.split(separator: UInt8(ascii: "\n")).map(Array.init) where !line.isEmpty {
            switch ControlEvent.decode(line) {
            case .window(let w)?: _ = book.add(w)
            case .end(let e)?: _ = book.end(kind: e.kind, id: e.id, at: e.at)
            default: break
            }
        }
        return book
    }
}

/// `classify silences`: the silences and on-demand windows of the control file that are active or still to come,
/// one control line each, as classify will apply them.
struct SilencesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "silences", abstract: "List the active and coming silences and on-demand windows of a control file.")
    @Option(name: .long, help: "The control file.") var control: String
    @Option(name: .long, help: "List as of this RFC 3339 time instead of now.") var at: String?

    func run() throws {
        var now = SystemClock().now()
        if let at {
            guard let t = Timestamp(rfc3339: at) else { throw ValidationError("--at must be an RFC 3339 time") }
            now = t
        }
        guard FileManager.default.fileExists(atPath: control) else { Stage.fail("\(control): cannot read", status: .ioError) }
        let book = ControlFile.book(control)
        for w in book.active(at: now) {
            FileHandle.standardOutput.write(Data(ControlEvent.window(w).encoded() + [UInt8(ascii: "\n")]))
        }
    }
}

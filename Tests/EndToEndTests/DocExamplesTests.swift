import Foundation
import Testing

/// The documentation's examples run against the built stages, so a key, an option or an exit code renamed in code
/// fails a test instead of leaving the docs to drift: every fenced YAML block in docs/ loads (`classify --config FILE`
/// exits 0 on an empty input), every `--option` a doc gives a stage exists in that stage's `--help`, and every exit
/// code a stage's `--help` names is in README's table.
@Suite struct DocExamplesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let documents = ["README.md", "docs/config.md", "docs/classify.md", "docs/events.md", "docs/heartbeats.md",
                            "docs/operations.md", "docs/probe.md", "docs/report.md", "docs/routing.md", "bench/README.md"]

    /// DocBlock is one fenced block of a document, with the line its first line is on.
    struct DocBlock: Sendable, CustomTestStringConvertible {
        var file: String
        var line: Int
        var language: String
        var text: String
        var testDescription: String { "\(file):\(line)" }
    }

    static func blocks(in file: String) throws -> [DocBlock] {
        let lines = try String(contentsOf: repository.appendingPathComponent(file), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var found: [DocBlock] = []
        var k = 0
        while k < lines.count {
            guard lines[k].hasPrefix("```") else { k += 1; continue }
            let language = String(lines[k].dropFirst(3))
            var end = k + 1
            while end < lines.count, !lines[end].hasPrefix("```") { end += 1 }
            found.append(DocBlock(file: file, line: k + 2, language: language,
                                  text: lines[(k + 1)..<min(end, lines.count)].joined(separator: "\n") + "\n"))
            k = end + 1
        }
        return found
    }

    /// Blocks that show alternatives side by side rather than one config.
    static let notOneConfig: Set<String> = [
        "docs/config.md:webhook_url: ${SLACK_OUTAGES_WEBHOOK}",   // `webhook_url` or `webhook_url_file`, never both
    ]

    static var yamlBlocks: [DocBlock] {
        documents.flatMap { (try? blocks(in: $0)) ?? [] }.filter { block in
            block.language == "yaml" && !notOneConfig.contains("\(block.file):\(block.text.prefix { $0 != "\n" }.split(separator: "#")[0].trimmingCharacters(in: .whitespaces))")
        }
    }

    /// Makes a fragment a whole config: a list of checks or a site's `checks:` goes into a site, an indented sink into
    /// `routing.sinks`; a block of top-level keys stays as it is. Returns the text and how many lines were put before
    /// the block's first line.
    static func wholeConfig(_ block: String) -> (text: String, prefixLines: Int) {
        let site = "tiers: {doc-tier: {}}\nsites:\n  - id: doc-site\n    tier: doc-tier\n"
        func indented(_ text: String, _ spaces: Int) -> String {
            text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : String(repeating: " ", count: spaces) + $0 }.joined(separator: "\n")
        }
        if block.hasPrefix("- ") { return (site + "    checks:\n" + indented(block, 6), 5) }
        if block.hasPrefix("checks:") { return (site + indented(block, 4), 4) }
        if block.hasPrefix(" ") { return ("routing:\n  sinks:\n" + block, 2) }
        return (block, 0)
    }

    /// A value for every `${NAME}` the docs use: a URL where the name says so, else a token long enough for a
    /// heartbeat.
    static func environment(for text: String) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        let names = text.matches(of: /\$\{([A-Z0-9_]+)\}/).map { String($0.output.1) }
        for name in names {
            env[name] = name.contains("WEBHOOK") || name.contains("URL") || name.hasPrefix("SLACK")
                ? "https://hooks.example.invalid/services/T0/B0/\(name.lowercased())" : "doc-token-\(name.lowercased())-0123456789abcdef"
        }
        return env
    }

    @Test(arguments: yamlBlocks)
    func everyYAMLBlockLoads(_ block: DocBlock) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("doc-yaml-\(UUID())")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("certs"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var (text, prefixLines) = Self.wholeConfig(block.text)
        // Files the examples name outside the repository: secrets, tokens and CA bundles stand in under the temp folder.
        for path in Set(text.matches(of: /(?:_file|sendmail): *(\/[^\s#]+)/).map { String($0.output.1) }) {
            let local = dir.appendingPathComponent(path.replacingOccurrences(of: "/", with: "_")).path
            let content = path.contains("url") || path.contains("slack") || path.contains("webhook")
                ? "https://hooks.example.invalid/services/T0/B0/file\n" : "doc-file-token-0123456789abcdef\n"
            if path.hasSuffix("sendmail") || path.hasSuffix("msmtp") {
                try "#!/bin/sh\nexit 0\n".write(toFile: local, atomically: true, encoding: .utf8)
                chmod(local, 0o755)
            } else {
                try content.write(toFile: local, atomically: true, encoding: .utf8)
            }
            text = text.replacingOccurrences(of: path, with: local)
        }
        if text.contains("certs/acme-ca.pem") {
            try FileManager.default.copyItem(atPath: "/etc/ssl/certs/ca-certificates.crt",
                                             toPath: dir.appendingPathComponent("certs/acme-ca.pem").path)
        }
        // A plugin the machine lacks is stood in for by one that exists: the block's keys are what is under test.
        for plugin in Set(text.matches(of: /\/usr\/lib\/nagios\/plugins\/[a-z_]+/).map { String($0.output) })
        where !FileManager.default.isExecutableFile(atPath: plugin) {
            text = text.replacingOccurrences(of: plugin, with: "/bin/true")
        }
        let file = dir.appendingPathComponent("doc.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let run = try ChildProcess.run("classify", ["--config", file.path], environment: Self.environment(for: text), timeout: 30)
        // Point a failure at the document's own line.
        let docLine = run.stderrText.firstMatch(of: /doc\.yaml:(\d+):/).flatMap { Int($0.output.1) }
            .map { "\(block.file):\(block.line + $0 - 1 - prefixLines)" } ?? block.testDescription
        #expect(run.status == 0, "\(docLine): \(run.stderrText)")
    }

    /// The long options a stage's `--help` lists (`probe push` is its own command).
    static let helpOptions: [String: Set<String>] = {
        var options: [String: Set<String>] = [:]
        for (command, arguments) in [("probe", ["--help"]), ("probe push", ["push", "--help"]), ("classify", ["--help"]),
                                     ("route", ["--help"]), ("report", ["--help"])] {
            let help = (try? ChildProcess.run(String(command.prefix { $0 != " " }), arguments, timeout: 30))?.stdoutText ?? ""
            options[command] = Set(help.matches(of: /--[a-z][a-z-]*/).map { String($0.output) })
        }
        return options
    }()

    static let commandPattern = try! NSRegularExpression(
        pattern: #"(?<![\w.-])(?<!--product )(probe push|probe|classify|route|report)"?((?: +(?!(?:probe|classify|route|report|->)[\s"])[^\s|`;),]+)*)"#)

    /// Every stage command the docs and scripts show, as (where, command, its long options).
    static func commandsShown() throws -> [(String, String, [String])] {
        let scripts = try FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent("pipelines").path)
            .filter { !$0.contains(".") }.map { "pipelines/\($0)" }
        var found: [(String, String, [String])] = []
        for file in documents + scripts.sorted() + ["bench/run", "bench/soak/run.sh", "bench/probe/run.sh", "bench/probe/compare.sh",
                                                     "bench/report/run.sh", "bench/report/bench.sh", "bench/classify/run.sh"] {
            let url = repository.appendingPathComponent(file)
            guard var text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            text = text.replacingOccurrences(of: "\\\n", with: " ")   // a shell line continued on the next
            for (k, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let ns = String(line) as NSString
                for match in commandPattern.matches(in: String(line), range: NSRange(location: 0, length: ns.length)) {
                    let command = ns.substring(with: match.range(at: 1))
                    let options = ns.substring(with: match.range(at: 2)).split(separator: " ")
                        .filter { $0.hasPrefix("--") && $0.count > 2 }
                        .map { String($0.prefix { $0 == "-" || $0.isLetter }) }
                    if !options.isEmpty { found.append(("\(file):\(k + 1)", command, options)) }
                }
            }
        }
        return found
    }

    @Test func everyOptionShownForAStageExists() throws {
        let shown = try Self.commandsShown()
        #expect(shown.count > 40, "the pattern still finds the commands in the docs: \(shown.count)")
        for (place, command, options) in shown {
            let known = try #require(Self.helpOptions[command])
            #expect(!known.isEmpty, "\(command) --help printed no options")
            for option in options where !known.contains(option) {
                Issue.record("\(place): `\(command) \(option)` is not an option of \(command) (it has \(known.sorted().joined(separator: " ")))")
            }
        }
    }

    /// Option tables: the first cell of each row names options of the stage the page is about.
    @Test(arguments: [("docs/probe.md", ["probe"]), ("docs/classify.md", ["classify"]), ("docs/routing.md", ["route"]),
                      ("docs/report.md", ["report"]), ("docs/operations.md", ["classify", "route"])])
    func everyOptionInAStagesTableExists(_ file: String, _ stages: [String]) throws {
        let text = try String(contentsOf: Self.repository.appendingPathComponent(file), encoding: .utf8)
        var rows = 0
        for line in text.split(separator: "\n") where line.hasPrefix("| `--") {
            rows += 1
            let cell = line.dropFirst(2).prefix { $0 != "|" }
            for match in String(cell).matches(of: /--[a-z][a-z-]*/) {
                for stage in stages where Self.helpOptions[stage]?.contains(String(match.output)) != true {
                    Issue.record("\(file): the table lists \(match.output), which `\(stage) --help` does not have")
                }
            }
        }
        #expect(rows >= 3, "\(file) still has its options table")
    }

    /// The exit codes in README's table, and the ones each stage's `--help` names.
    static func readmeExitCodes() throws -> Set<Int> {
        let text = try String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(text.range(of: "## Exit status"))
        let table = text[section.upperBound...].split(separator: "\n").dropFirst(3).prefix { $0.hasPrefix("|") }
        return Set(table.compactMap { row in Int(row.dropFirst(2).prefix { $0.isNumber }) })
    }

    static func helpExitCodes(_ arguments: [String], of stage: String) throws -> Set<Int> {
        let help = try ChildProcess.run(stage, arguments, timeout: 30).stdoutText.replacingOccurrences(of: "\n", with: " ")
        let range = try #require(help.range(of: "Exit status:"), "\(stage) --help states its exit codes")
        let sentence = help[range.upperBound...].prefix { $0 != "." }
        return Set(sentence.matches(of: #/(?:^|[ ,])(\d{1,3}) /#).compactMap { Int($0.output.1) })
    }

    @Test func everyExitCodeAStageNamesIsInTheREADMEAndItsOwnPage() throws {
        let readme = try Self.readmeExitCodes()
        #expect(readme.isSuperset(of: [0, 64, 65, 74, 78]), "\(readme)")
        for (stage, arguments, page) in [("classify", ["--help"], "docs/classify.md"), ("route", ["--help"], nil),
                                         ("report", ["--help"], "docs/report.md"), ("probe", ["push", "--help"], nil)] {
            let codes = try Self.helpExitCodes(arguments, of: stage)
            #expect(codes.count >= 3, "\(stage): \(codes)")
            #expect(readme.isSuperset(of: codes), "\(stage) exits \(codes.subtracting(readme).sorted()), which README's table does not explain")
            if let page {
                let text = try String(contentsOf: Self.repository.appendingPathComponent(page), encoding: .utf8)
                let range = try #require(text.range(of: "Exit status:"))
                let sentence = String(text[range.upperBound...].split(separator: "\n\n").first ?? "")
                let documented = Set(sentence.matches(of: /(?:^|[ ,;])(\d{1,3})(?=[ ;,.])/).compactMap { Int($0.output.1) }.filter { $0 == 0 || $0 >= 64 })
                #expect(documented == codes, "\(page) lists \(documented.sorted()), `\(stage) --help` \(codes.sorted())")
            }
        }
    }

    /// `pipelines/run --help` prints the script's comment header, and only that (it exits before building anything).
    @Test func pipelinesRunHelpIsItsCommentHeader() throws {
        let run = try ChildProcess.run(path: "/bin/bash", [Self.repository.appendingPathComponent("pipelines/run").path, "--help"],
                                       environment: ["PATH": "/usr/bin:/bin"], timeout: 30)
        #expect(run.status == 0)
        #expect(run.stdoutLines == (try Self.commentHeader("pipelines/run")), "\(run.stdoutText)")
    }

    /// A script's leading comment lines, after the `#!` line: what its usage prints.
    static func commentHeader(_ script: String) throws -> [String] {
        try String(contentsOf: repository.appendingPathComponent(script), encoding: .utf8).split(separator: "\n")
            .dropFirst().prefix { $0.hasPrefix("#") }.map(String.init)
    }

    /// docs/config.md's "What is refused" table: each message is what a fixture in Fixtures/config/invalid/ makes
    /// `classify` print, on that line (a message ending in "..." is a prefix).
    @Test func everyRefusalInTheConfigDocIsWhatAFixtureGives() throws {
        let text = try String(contentsOf: Self.repository.appendingPathComponent("docs/config.md"), encoding: .utf8)
        let section = try #require(text.range(of: "## What is refused"))
        let documented = text[section.upperBound...].split(separator: "\n").filter { $0.hasPrefix("| ") }
            .compactMap { row in row.firstMatch(of: #/`c\.yaml:(\d+): (.+)`/#).map { (Int($0.output.1)!, String($0.output.2)) } }
        #expect(documented.count >= 8, "the table still has its rows")
        let directory = Fixtures.url("config/invalid")
        var printed: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where name.hasSuffix(".yaml") {
            let run = try ChildProcess.run("classify", ["--config", directory.appendingPathComponent(name).path], timeout: 30)
            #expect(run.status == 78, "\(name): \(run.stderrText)")
            printed += run.stderrText.split(separator: "\n").map { String($0.drop { $0 != ":" }) }   // without the path
        }
        for (line, message) in documented {
            let expected = ":\(line): " + (message.hasSuffix("...)") ? String(message.dropLast(4)) : message)
            #expect(printed.contains { $0.hasPrefix(expected) }, "docs/config.md says `c.yaml\(expected)`; the fixtures print \(printed)")
        }
    }

    /// Every example event line in the docs is a valid v1 line: `route --dry-run` decodes each line in full (result,
    /// incident, delivery) and exits 65 on any it must set aside.
    @Test func everyExampleEventLineDecodes() throws {
        var lines: [String] = []
        for file in Self.documents {
            for block in try Self.blocks(in: file) where block.language == "json" {
                lines += block.text.split(separator: "\n").filter { $0.hasPrefix("{\"v\":1,") }.map(String.init)
            }
        }
        #expect(lines.count >= 7, "the docs still show example lines")
        let run = try ChildProcess.run("route", ["--demo", "--dry-run"], stdin: Data((lines.joined(separator: "\n") + "\n").utf8), timeout: 30)
        #expect(run.status == 0, "\(run.stderrText)")
    }

    /// docs/report.md's samples are the fixture day's golden outputs: each quoted Markdown sample is found, line for
    /// line and in order, in its golden file; the JSON and Slack excerpts agree with theirs wherever they do not say
    /// "..."; the HTML strip's lines are in the golden page.
    @Test func theReportSamplesAreTheGoldenOutputs() throws {
        let text = try String(contentsOf: Self.repository.appendingPathComponent("docs/report.md"), encoding: .utf8)
        let golden = Fixtures.url("report")
        func quoted(after heading: String) throws -> [String] {
            let start = try #require(text.range(of: heading), "docs/report.md has \(heading)")
            let lines = text[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
            return lines.drop { !$0.hasPrefix(">") }.prefix { $0.hasPrefix(">") }
                .map { $0.hasPrefix("> ") ? String($0.dropFirst(2)) : String($0.dropFirst(1)) }
        }
        for (heading, file) in [("### markdown (team)", "day.out.md"), ("### markdown, `--client", "day.client-acme.md")] {
            let sample = try quoted(after: heading)
            #expect(sample.count > 20, "\(heading) still quotes a sample")
            let lines = try String(contentsOf: golden.appendingPathComponent(file), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            var next = lines.startIndex
            for line in sample {
                guard let found = lines[next...].firstIndex(where: { $0 == line }) else {
                    Issue.record("docs/report.md \(heading): \"\(line)\" is not in \(file) (in this order)")
                    break
                }
                next = found + 1
            }
        }
        func fenced(after heading: String, _ language: String) throws -> String {
            let start = try #require(text.range(of: heading))
            let open = try #require(text.range(of: "```\(language)\n", range: start.upperBound..<text.endIndex))
            let close = try #require(text.range(of: "```", range: open.upperBound..<text.endIndex))
            return String(text[open.upperBound..<close.lowerBound])
        }
        /// The excerpt's values against the real document's; "..." strings and the "..." key stand for what is left out.
        func agree(_ excerpt: Any, _ real: Any?, _ path: String) {
            switch excerpt {
            case let object as [String: Any]:
                guard let real = real as? [String: Any] else { Issue.record("\(path): not an object in the golden output"); return }
                for (key, value) in object where key != "..." { agree(value, real[key], "\(path).\(key)") }
            case let array as [Any]:
                guard let real = real as? [Any] else { Issue.record("\(path): not an array in the golden output"); return }
                for (k, value) in array.enumerated() where !((value as? String)?.hasPrefix("...") ?? false) {
                    agree(value, k < real.count ? real[k] : nil, "\(path)[\(k)]")
                }
            default:
                #expect((excerpt as? NSObject) == (real as? NSObject), "docs/report.md \(path): \(excerpt) against the golden \(real ?? "nothing")")
            }
        }
        for (heading, file) in [("### json (excerpt)", "day.out.json"), ("### slack (excerpt", "day.out.slack.json")] {
            let excerpt = try JSONSerialization.jsonObject(with: Data(try fenced(after: heading, "json").utf8))
            let real = try JSONSerialization.jsonObject(with: Data(contentsOf: golden.appendingPathComponent(file)))
            agree(excerpt, real, file)
        }
        let page = try String(contentsOf: golden.appendingPathComponent("day.out.html"), encoding: .utf8)
        for line in try fenced(after: "The strip of the fixture day", "html").split(separator: "\n") where line != "..." {
            #expect(page.contains(line), "docs/report.md's HTML strip: \(line)")
        }
    }

    /// Every suite a doc's `swift test --filter` names (and every `Suite/test` a doc points at) still exists.
    @Test func everyTestTheDocsNameExists() throws {
        let testsRoot = Self.repository.appendingPathComponent("Tests")
        var sources = ""
        let files = try #require(FileManager.default.enumerator(atPath: testsRoot.path))
        for case let path as String in files where path.hasSuffix(".swift") {
            sources += (try? String(contentsOf: testsRoot.appendingPathComponent(path), encoding: .utf8)) ?? ""
        }
        var named = 0
        for file in Self.documents {
            let text = try String(contentsOf: Self.repository.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: #/swift test --filter ["']?([A-Za-z|]+)/#) {
                for name in match.output.1.split(separator: "|") {
                    named += 1
                    #expect(sources.contains("struct \(name)") || sources.contains("struct \(name)Tests"),
                            "\(file): `swift test --filter` names \(name), which no test suite is called")
                }
            }
            for match in text.matches(of: #/`([A-Z][A-Za-z]+Tests)/([a-zA-Z]+)`/#) {
                named += 1
                #expect(sources.contains("struct \(match.output.1)") && sources.contains("func \(match.output.2)("),
                        "\(file): \(match.output.1)/\(match.output.2) does not exist")
            }
        }
        #expect(named >= 20, "the docs still name their tests")
    }
}

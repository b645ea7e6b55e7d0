import Foundation
import Testing

/// The documentation's examples are checked against the built stages and the fixtures, so a key or a message changed
/// in code fails a test instead of leaving the docs to drift: every fenced YAML block loads (`classify --config FILE`
/// exits 0 on an empty input), every refusal docs/config.md quotes is what a fixture gives, every example event line
/// decodes, and report.md's samples are the golden outputs. Commands, options and exit codes: DocCommandsTests.
@Suite struct DocExamplesTests {
    static let repository = Fixtures.repository
    static let documents = ["README.md", "docs/config.md", "docs/classify.md", "docs/events.md", "docs/heartbeats.md",
                            "docs/metrics.md", "docs/operations.md", "docs/probe.md", "docs/report.md", "docs/routing.md",
                            "docs/status-pages.md", "docs/actions.md", "bench/README.md"]

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

    /// A table of arguments that came out empty would test nothing: the docs hold this many YAML examples.
    @Test func theDocsStillHaveTheirYAMLExamples() {
        #expect(Self.yamlBlocks.count >= 15, "\(Self.yamlBlocks.map(\.testDescription))")
    }

    @Test(arguments: yamlBlocks)
    func everyYAMLBlockLoads(_ block: DocBlock) throws {
        let dir = try Fixtures.tempFolder("doc-yaml")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("certs"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var (text, prefixLines) = Self.wholeConfig(block.text)
        // Files the examples name outside the repository: secrets, tokens and CA bundles stand in under the temp folder.
        for path in Set(text.matches(of: /(?:_file|sendmail): *(\/[^\s#]+)/).map { String($0.output.1) }) {
            let local = dir.appendingPathComponent(path.replacingOccurrences(of: "/", with: "_")).path
            let content = path.contains("url") || path.contains("slack") || path.contains("webhook")
                ? "https://hooks.example.invalid/services/T0/B0/file\n" : "doc-file-token-0123456789abcdef0123456789abcdef\n"
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

}

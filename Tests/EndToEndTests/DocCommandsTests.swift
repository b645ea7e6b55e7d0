import Foundation
import Testing

/// The commands the docs and scripts show are checked against the built stages, so an option, an exit code or a test
/// renamed in code fails a test instead of leaving the docs to drift: every `--option` given to a stage exists in that
/// stage's `--help`, every exit code a stage's `--help` names is in README's table (and its own page's), the scripts'
/// usage is their comment header, and every suite a `swift test --filter` names exists.
@Suite struct DocCommandsTests {
    static let repository = DocExamplesTests.repository
    static let documents = DocExamplesTests.documents

    /// `classify`'s subcommands for people (docs/classify.md, Control lines), each its own command here.
    static let classifySubcommands = ["ack", "silences", "silence", "maintenance", "note", "unsilence", "cancel"]

    /// What each command's `--help` prints, run once for every test here (`probe push` and the `classify`
    /// subcommands are their own commands).
    static let helpTexts: [String: String] = {
        var texts: [String: String] = [:]
        for (command, arguments) in [("probe", ["--help"]), ("probe push", ["push", "--help"]), ("classify", ["--help"]),
                                     ("route", ["--help"]), ("report", ["--help"])]
            + classifySubcommands.map({ ("classify \($0)", [$0, "--help"]) }) {
            texts[command] = (try? ChildProcess.run(String(command.prefix { $0 != " " }), arguments, timeout: 30))?.stdoutText ?? ""
        }
        return texts
    }()

    /// The long options a command's `--help` lists.
    static let helpOptions: [String: Set<String>] = helpTexts.mapValues { help in
        Set(help.matches(of: /--[a-z][a-z-]*/).map { String($0.output) })
    }

    static let commandPattern = try! NSRegularExpression(
        pattern: #"(?<![\w.-])(?<!--product )(probe push|classify (?:ack|silences|silence|maintenance|note|unsilence|cancel)|probe|classify|route|report)"?((?: +(?!(?:probe|classify|route|report|->)[\s"])[^\s|`;),]+)*)"#)

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

    static func helpExitCodes(of command: String) throws -> Set<Int> {
        let help = (helpTexts[command] ?? "").replacingOccurrences(of: "\n", with: " ")
        let range = try #require(help.range(of: "Exit status:"), "\(command) --help states its exit codes")
        let sentence = help[range.upperBound...].prefix { $0 != "." }
        return Set(sentence.matches(of: #/(?:^|[ ,])(\d{1,3}) /#).compactMap { Int($0.output.1) })
    }

    @Test func everyExitCodeAStageNamesIsInTheREADMEAndItsOwnPage() throws {
        let readme = try Self.readmeExitCodes()
        #expect(readme.isSuperset(of: [0, 64, 65, 74, 78]), "\(readme)")
        for (stage, page) in [("classify", "docs/classify.md"), ("route", nil), ("report", "docs/report.md"), ("probe push", nil)] {
            let codes = try Self.helpExitCodes(of: stage)
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

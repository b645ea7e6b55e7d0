import Foundation
import Testing

/// The layers of docs/architecture.md, written down: which of the package's targets each target may import. The
/// compiler already refuses an import that Package.swift does not allow; this keeps the rule itself from drifting
/// (a new dependency added to Package.swift to make an upstream import compile fails here).
@Suite struct ArchitectureTests {
    static let stages = ["LookoutProbe", "LookoutClassify", "LookoutRoute", "LookoutReport"]
    static let libraries = ["LookoutCore", "LookoutNATS", "LookoutMetrics"] + stages + ["LookoutTesting", "LookoutCommands"]

    /// Every target under Sources/ and the package targets it may import. A target missing here fails the test, so
    /// a new one is placed in a layer on purpose.
    static let allowed: [String: Set<String>] = [
        "CZlib": [],
        "CNats": [],
        "LookoutCore": [],
        // The nats:// transport is core-level I/O every stage's commands share; no stage imports it.
        "LookoutNATS": ["LookoutCore", "CNats"],
        // /metrics: the labels every per-check series carries, the registry and the HTTP server, for any stage.
        "LookoutMetrics": ["LookoutCore"],
        "LookoutProbe": ["LookoutCore", "LookoutMetrics"],
        "LookoutClassify": ["LookoutCore", "LookoutMetrics"],
        "LookoutRoute": ["LookoutCore", "LookoutMetrics"],
        // Report plans openings with route's planner to judge late notifications, and posts with its Slack sender.
        "LookoutReport": ["LookoutCore", "LookoutRoute", "CZlib"],
        "LookoutTesting": ["LookoutCore"],
        "LookoutCommands": Set(libraries.filter { $0 != "LookoutCommands" }),
        "Lookout": Set(libraries.filter { $0 != "LookoutTesting" && $0 != "LookoutNATS" && $0 != "LookoutMetrics" }),
        "probe": ["LookoutCommands"],
        "classify": ["LookoutCommands"],
        "route": ["LookoutCommands"],
        "report": ["LookoutCommands"],
    ]
    static let packageTargets = Set(allowed.keys)

    static var sources: URL { Fixtures.repository.appendingPathComponent("Sources") }

    /// The package's own modules each Swift file of `target` imports, with the file and line of each import.
    static func imports(of target: String) throws -> [(module: String, place: String)] {
        let folder = sources.appendingPathComponent(target)
        guard let files = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var found: [(String, String)] = []
        for case let file as String in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let words = line.split(separator: " ").map(String.init)
                guard let at = words.firstIndex(of: "import"), at + 1 < words.count,
                      words[..<at].allSatisfy({ $0.hasPrefix("@") }) else { continue }
                let module = words[at + 1]
                if packageTargets.contains(module) { found.append((module, "\(target)/\(file):\(number + 1)")) }
            }
        }
        return found
    }

    @Test func everyTargetHasAPlaceInTheLayers() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.sources.path).filter { !$0.hasPrefix(".") }
        #expect(Set(folders) == Self.packageTargets, "Sources/ and the table above name the same targets")
    }

    @Test(arguments: allowed.keys.sorted())
    func importsOnlyWhatItsLayerMayUse(target: String) throws {
        for (module, place) in try Self.imports(of: target) where module != target {
            #expect(Self.allowed[target]!.contains(module), "\(place): \(target) may not import \(module)")
        }
    }

    /// No stage imports another stage, but report, which reads what route writes, may use route's planner.
    @Test func noStageImportsAStageDownstreamOfIt() throws {
        for (index, stage) in Self.stages.enumerated() {
            let downstream = Set(Self.stages[(index + 1)...])
            for (module, place) in try Self.imports(of: stage) {
                #expect(!downstream.contains(module), "\(place): \(stage) imports \(module), which comes after it")
            }
        }
    }

    /// Demo and test servers stay out of the stages, and argument parsing stays in the commands.
    @Test(arguments: ["LookoutCore"] + stages)
    func stagesLeaveDemoAndArgumentsToTheCommands(target: String) throws {
        for (module, place) in try Self.imports(of: target) {
            #expect(module != "LookoutTesting" && module != "LookoutCommands", "\(place)")
        }
        let folder = Self.sources.appendingPathComponent(target)
        for case let file as String in FileManager.default.enumerator(atPath: folder.path)! where file.hasSuffix(".swift") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            #expect(!text.contains("import ArgumentParser"), "\(target)/\(file) parses arguments")
        }
    }

    /// Each executable is a thin `@main` that hands over to its command, as SwiftPM's Entrypoint.swift does.
    @Test(arguments: ["probe", "classify", "route", "report"])
    func executablesAreThin(name: String) throws {
        let folder = Self.sources.appendingPathComponent(name)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["Entrypoint.swift"])
        let text = try String(contentsOf: folder.appendingPathComponent("Entrypoint.swift"), encoding: .utf8)
        #expect(text.split(separator: "\n").count <= 10, "Sources/\(name)/Entrypoint.swift: \(text)")
    }
}

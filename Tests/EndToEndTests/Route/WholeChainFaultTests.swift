import Foundation
@testable import LookoutCore
import Testing

/// The file-based chain as it runs all day, `results.ndjson -> classify --follow -> classified.ndjson -> route
/// --follow -> deliveries.ndjson`, with classify and route each SIGKILLed at random moments while a generated day of
/// results streams in: at the end the classified file must equal an uninterrupted classify run byte for byte, and
/// the receivers and the delivery file must hold exactly the deliveries that output implies.
@Suite(.serialized) struct WholeChainFaultTests {
    @Test(arguments: [UInt64(31), 32])
    func classifyAndRouteKilledAtRandomMomentsLoseAndRepeatNothing(seed: UInt64) throws {
        let rig = try RouteFollowFaultTests.Rig()
        let results = rig.dir.appendingPathComponent("results.ndjson").path
        let classifyConfig = rig.dir.appendingPathComponent("classify.yaml").path
        try FileChain.config.write(toFile: classifyConfig, atomically: true, encoding: .utf8)
        let day = FileChain.day(seed: seed, outageOneIn: 60, degradedFirst: true).joined(separator: "\n") + "\n"
        // The reference: classify over the whole day in one go (route's expected deliveries follow from it).
        let whole = rig.dir.appendingPathComponent("whole.ndjson").path
        try day.write(toFile: whole, atomically: true, encoding: .utf8)
        let reference = try FileChain.uninterrupted(config: classifyConfig, input: whole)
        let expected = try rig.expectedKeys(reference)
        let allKeys = expected.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        #expect(allKeys.count >= 150)

        _ = FileManager.default.createFile(atPath: results, contents: nil)
        let classifyArguments = ["--config", classifyConfig, "--input", results, "--follow", "--output", rig.input,
                                 "--state", rig.dir.appendingPathComponent("classify.sqlite").path]
        var classify = try BackgroundStage("classify", classifyArguments, in: rig.dir, tag: "classify")
        var route = try rig.start()
        var rng = SeededGenerator(seed: seed)
        let bytes = Array(day.utf8)
        var written = 0, kills = (classify: 0, route: 0)
        while written < bytes.count {
            let n = min(bytes.count - written, Int.random(in: 1...30_000, using: &rng))
            FileChain.append(bytes[written..<(written + n)], to: results)
            written += n
            usleep(UInt32.random(in: 2_000...30_000, using: &rng))
            switch Int.random(in: 0..<6, using: &rng) {
            case 0:
                classify.kill9()
                kills.classify += 1
                classify = try BackgroundStage("classify", classifyArguments, in: rig.dir, tag: "classify")
            case 1:
                route.kill9()
                kills.route += 1
                route = try rig.start()
            default: break
            }
        }
        let classified = eventually(timeout: 60) { FileManager.default.contents(atPath: rig.input)?.count == reference.count }
        let delivered = eventually(timeout: 60) { rig.sentCount >= allKeys.count }
        classify.kill9()
        route.kill9()
        #expect(classified && delivered, "classify: \(classify.stderr.suffix(1500)) route: \(route.stderr.suffix(1500))")
        #expect(kills.classify >= 3 && kills.route >= 3, "\(kills)")  // the draws are seeded: the same every run

        let output = FileManager.default.contents(atPath: rig.input) ?? Data()
        #expect(FileChain.firstDifference(output, reference) == nil, "\(FileChain.firstDifference(output, reference) ?? "")")
        let sent = rig.deliveryLines.compactMap { $0 }.filter { $0["outcome"] as? String == "sent" }.compactMap { $0["key"] as? String }
        #expect(sent.count == Set(sent).count, "a delivery line was written twice (seed \(seed))")
        #expect(Set(sent) == allKeys)
        #expect(Set(rig.hook.requests.compactMap(\.idempotencyKey)) == expected["automation"] ?? [])
        let openings = (expected["helpdesk"] ?? []).filter { $0.contains("|opened|") }.count
        #expect(rig.desk.createdCount == openings, "one ticket per critical incident, never two (seed \(seed))")
        print("whole chain fault test: seed \(seed), classify killed \(kills.classify)x, route killed \(kills.route)x, \(allKeys.count) deliveries")
    }
}

import Foundation

/// InstalledTool finds a program that pipelines/install-deps installs (.ci/run runs it before the tests). A test that
/// needs one throws when it is missing, naming the package: a test that skips or passes without its tool proves
/// nothing, and CI must say so.
enum InstalledTool {
    struct Missing: Error, CustomStringConvertible {
        let program: String
        let package: String
        var description: String { "\(program) is not installed: run pipelines/install-deps (Debian package \(package))" }
    }

    /// The first of `paths` that is an executable file.
    static func path(_ paths: [String], package: String) throws -> String {
        guard let found = paths.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Missing(program: URL(fileURLWithPath: paths[0]).lastPathComponent, package: package)
        }
        return found
    }

    static func natsServer() throws -> String {
        try path(["/usr/bin/nats-server", "/usr/sbin/nats-server", "/usr/local/bin/nats-server"], package: "nats-server")
    }

    static func chromium() throws -> String { try path(["/usr/bin/chromium"], package: "chromium") }
    static func php() throws -> String { try path(["/usr/bin/php"], package: "php-cli") }
    /// msmtp gives route's email sink the `sendmail -t` it runs.
    static func msmtp() throws -> String { try path(["/usr/bin/msmtp"], package: "msmtp") }
    /// Prometheus's linter for an exposition (`promtool check metrics`), from Debian's prometheus package.
    static func promtool() throws -> String { try path(["/usr/bin/promtool"], package: "prometheus") }
    /// util-linux's `script`, for a pty: essential on Debian, so a missing one is a broken machine.
    static func script() throws -> String { try path(["/usr/bin/script"], package: "bsdutils") }
}

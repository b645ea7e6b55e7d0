import Foundation
import LookoutCore
import LookoutTesting

extension Stage {
    /// Loads the config named on the command line, the embedded demo config, or fails the process with
    /// `FILE:LINE: message` on stderr and exit code 78.
    /// `--demo` is the demo config on `demoPorts`: the standard ones, which the demo site (`probe --demo`, `probe
    /// demo-site`) listens on, so every stage names the same target; its secrets are the demo's own.
    /// Only route needs the routing sinks' secrets (`routingSecrets: .required`); the other stages load the config
    /// with an unset one standing in. Only probe runs the checks (`checksRunHere: true`), so only probe refuses a
    /// config whose exec program or Chromium is missing on this machine.
    public static func loadConfig(path: String?, demo: Bool, demoPorts: DemoConfig.Ports = .standard,
                                  routingSecrets: Config.RoutingSecrets = .notNeeded, checksRunHere: Bool = false) -> Config {
        do {
            if demo {
                let environment = ProcessInfo.processInfo.environment.merging(DemoConfig.environment(demoPorts)) { _, demo in demo }
                return try Config.parse(yaml: DemoConfig.yaml(demoPorts), file: "<demo>", environment: environment, kinds: .all)
            }
            guard let path else {
                fail("no config: pass --config FILE (or --demo for the embedded demo)", status: .usage)
            }
            return try readConfig(path: path, routingSecrets: routingSecrets, checksRunHere: checksRunHere)
        } catch let e as ConfigError {
            fail(e.description, status: .config)
        } catch {
            fail("\(path ?? "<demo>"):0: \(error)", status: .config)
        }
    }

    /// Reads the config file as `loadConfig` does, throwing instead of exiting: for probe's reload on SIGHUP, which
    /// must accept exactly the files its start accepted (it had read them with every routing secret required).
    public static func readConfig(path: String, routingSecrets: Config.RoutingSecrets = .notNeeded,
                                  checksRunHere: Bool = false) throws -> Config {
        try Config.load(path: path, kinds: .all, routingSecrets: routingSecrets, checksRunHere: checksRunHere)
    }
}

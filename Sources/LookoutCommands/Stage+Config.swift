import Foundation
import LookoutCore
import LookoutTesting
import LookoutTesting

extension Stage {
    /// Loads the config named on the command line, the embedded demo config, or fails the process with
    /// `FILE:LINE: message` on stderr and exit code 78.
    public static func loadConfig(path: String?, demo: Bool, demoPort: Int = 9, demoBannerPort: Int? = nil) -> Config {
        do {
            if demo { return try Config.parse(yaml: DemoConfig.yaml(port: demoPort, bannerPort: demoBannerPort), file: "<demo>", kinds: .all) }
            guard let path else {
                fail("no config: pass --config FILE (or --demo for the embedded demo)", status: .usage)
            }
            return try Config.load(path: path, kinds: .all)
        } catch let e as ConfigError {
            fail(e.description, status: .config)
        } catch {
            fail("\(path ?? "<demo>"):0: \(error)", status: .config)
        }
    }
}

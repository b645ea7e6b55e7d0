import Foundation
import Hummingbird
import LookoutCore
import NIOCore

/// ScreenshotEndpoint serves the screenshot links chat messages carry (docs/actions.md, *Screenshot links*) at
/// `GET /shot/<token>` on the heartbeat receiver: the PNG a failed browser run left in probe's screenshots folder.
///
/// A link whose signature is not the `actions` key's, or whose name is not exactly a file `ScreenshotStore` writes for
/// a configured check, gets 403 "not valid"; an expired one 403 "expired" (wall clock, as action links); a file pruned
/// since, or a receiver that keeps no screenshots (no `--state`), 404. A link only reads, so it is never used up.
public struct ScreenshotEndpoint: Sendable {
    let signer: ActionSigner
    let config: Config
    /// The screenshots folder (`screenshots/` beside `--state`); nil when probe keeps none.
    let folder: String?
    let clock: any WallClock
    let metrics: ProbeMetrics

    public init(config: Config, actions: ActionsConfig, folder: String?, clock: any WallClock, metrics: ProbeMetrics) {
        self.signer = ActionSigner(key: actions.key)
        self.config = config
        self.folder = folder
        self.clock = clock
        self.metrics = metrics
    }

    /// What a request comes to: a file to send, or a page saying why not.
    enum Outcome: Equatable {
        case file(String)
        case forged, expired, refused, gone, noFolder
    }

    /// Decides a request: the signature, the expiry, the name, then the file on disk.
    func resolve(_ token: String, now: Timestamp) -> Outcome {
        guard let link = ScreenshotLink(token: token), signer.isAuthentic(link) else { return .forged }
        guard now < link.expires else { return .expired }
        guard let folder else { return .noFolder }
        let parts = link.name.split(separator: "/").map(String.init)
        guard parts.count == 2, ScreenshotEndpoint.isStoreName(parts[1], check: parts[0]) else { return .refused }
        guard config.check(parts[0]) != nil else { return .gone }
        // The name cannot hold `..` by now; resolving both paths still catches a symlink that leads out of the folder.
        guard let root = ScreenshotEndpoint.realPath(folder) else { return .gone }
        guard let path = ScreenshotEndpoint.realPath(folder + "/" + link.name) else { return .gone }
        guard path.hasPrefix(root + "/") else { return .refused }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return .gone }
        return .file(path)
    }

    /// Whether `file` is exactly what `ScreenshotStore` names a run of `check`: the check's id, `-`, the run's
    /// time as the store writes it, `.png`.
    static func isStoreName(_ file: String, check: String) -> Bool {
        guard let ms = ScreenshotStore.time(ofFile: file, check: check) else { return false }
        return ScreenshotStore.fileName(check: check, at: Timestamp(milliseconds: ms)) == file
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Answers a request: the PNG, or a plain page saying why not.
    func serve(_ token: String, context: some RequestContext) async -> Response {
        let outcome = resolve(token, now: clock.now())
        guard case .file(let path) = outcome else { return refuse(outcome) }
        do {
            let body = try await FileIO().loadFile(path: path, context: context)
            metrics.actionLink(action: "screenshot", outcome: "shown")
            return Response(status: .ok,
                            headers: [.contentType: "image/png", .init("X-Content-Type-Options")!: "nosniff", .cacheControl: "private",
                                      .init("Referrer-Policy")!: "no-referrer"],
                            body: body)
        } catch {
            // Pruned between the check and the read.
            return refuse(.gone)
        }
    }

    private func refuse(_ outcome: Outcome) -> Response {
        let (status, count, title, text): (HTTPResponse.Status, String, String, String)
        switch outcome {
        case .forged, .refused:
            (status, count, title, text) = (.forbidden, outcome == .forged ? "forged" : "refused", "Not allowed", "This link is not valid.")
        case .expired:
            (status, count, title, text) = (.forbidden, "expired", "Not allowed", "This link has expired.")
        case .gone, .file:
            (status, count, title, text) = (.notFound, "gone", "Screenshot gone",
                                            "This screenshot is no longer kept: probe keeps each check's newest few, for a limited time.")
        case .noFolder:
            (status, count, title, text) = (.notFound, "gone", "No screenshots", "This receiver keeps no screenshots (probe runs without --state).")
        }
        metrics.actionLink(action: "screenshot", outcome: count)
        return ActionPage.response(status, ActionPage.message(title, text))
    }

    /// Adds `GET /shot/<token>` to the receiver's router.
    func register(on router: Router<BasicRequestContext>) {
        router.get("shot/:token") { _, context -> Response in
            await serve(context.parameters.get("token") ?? "", context: context)
        }
    }
}

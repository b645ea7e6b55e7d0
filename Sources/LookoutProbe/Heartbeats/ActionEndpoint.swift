import Foundation
import Hummingbird
import Logging
import LookoutCore
import NIOCore

/// ActionEndpoint serves the one-tap links chat messages carry (docs/actions.md) at `/act` on the heartbeat receiver.
///
/// `GET /act/<token>` (`ActionLink.token`) only shows a confirmation page: link unfurlers, mail scanners and
/// previews follow GETs, so a GET never acts. The page's form POSTs to the same URL, and only that POST appends
/// the control line (`ControlFile.append`, the line `classify ack`/`classify silence` write) to the control file.
/// A link whose signature is not the key's, that has expired, or that has acted before gets 403 and writes nothing;
/// a link acts once (its signature is remembered in `UsedLinkStore`, committed before the line is written).
public struct ActionEndpoint: Sendable {
    /// The largest form body a POST may carry: a name fits in well under 1 KB.
    public static let maxFormBytes = 4096
    /// The longest name the form takes for `by`.
    public static let maxNameLength = 64

    let settings: ActionsConfig
    let signer: ActionSigner
    let config: Config
    let controlPath: String
    let used: UsedLinkStore
    let clock: any WallClock
    let metrics: ProbeMetrics
    let logger: Logger

    public init(config: Config, actions: ActionsConfig, controlPath: String, used: UsedLinkStore, clock: any WallClock,
                metrics: ProbeMetrics, logger: Logger) {
        self.settings = actions
        self.signer = ActionSigner(key: actions.key)
        self.config = config
        self.controlPath = controlPath
        self.used = used
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
    }

    /// Why a link is refused. Only a link with an authentic signature learns whether it expired or was used: a
    /// forged one is told nothing more.
    enum Refusal: String, Error { case forged, expired, used }

    /// Checks the link's signature and expiry; whether it was used is the store's to say.
    func verify(_ link: ActionLink?, now: Timestamp) -> Result<ActionLink, Refusal> {
        guard let link, signer.isAuthentic(link) else { return .failure(.forged) }
        guard now < link.expires else { return .failure(.expired) }
        return .success(link)
    }

    /// The confirmation page for a GET; writes nothing.
    func show(_ link: ActionLink?) -> Response {
        switch verify(link, now: clock.now()) {
        case .failure(let refusal): return refuse(refusal, link)
        case .success(let link):
            do {
                guard try !used.isUsed(link) else { return refuse(.used, link) }
            } catch {
                return failed(error, link)
            }
            count(link.action.rawValue, "shown")
            return ActionPage.response(.ok, ActionPage.confirm(link, silenceFor: settings.silenceFor, site: siteName(link.incident)))
        }
    }

    /// Acts on a confirmed POST: claims the link (the claim is the used check: no read before it), then appends its
    /// control line; a line that cannot be written gives the link back.
    func act(_ link: ActionLink?, by name: String?) -> Response {
        let now = clock.now()
        let claimed: ActionLink
        switch verify(link, now: now) {
        case .failure(let refusal): return refuse(refusal, link)
        case .success(let link): claimed = link
        }
        do {
            guard try used.claim(claimed, now: now) else { return refuse(.used, claimed) }
        } catch {
            return failed(error, claimed)
        }
        let by = ActionEndpoint.person(name)
        let control = control(for: claimed, by: by, at: now)
        do {
            try ControlFile.append(control, to: controlPath, config: config)
        } catch {
            try? used.release(claimed)
            switch error {
            case .refused(let reason):
                count(claimed.action.rawValue, "refused")
                logger.warning("action link \(claimed.action.rawValue) on \(claimed.incident) refused: \(reason)")
                return ActionPage.response(.conflict, ActionPage.message("Not done", "The pipeline refused it: \(reason)."))
            case .io:
                return failed(error, claimed)
            }
        }
        count(claimed.action.rawValue, "done")
        logger.notice("action link: \(claimed.action.rawValue) \(claimed.incident) by \(by), appended to \(controlPath)")
        return ActionPage.response(.ok, ActionPage.done(claimed, by: by, silenceFor: settings.silenceFor))
    }

    /// The control line a link stands for: an ack of the incident, or a silence of its check from now.
    func control(for link: ActionLink, by: String, at now: Timestamp) -> ControlEvent {
        switch link.action {
        case .ack:
            return .ack(.init(incident: link.incident, by: by, at: now, text: "acknowledged with a one-tap link"))
        case .silence:
            let check = link.incident.lastIndex(of: "/").map { String(link.incident[..<$0]) } ?? link.incident
            // One silence per link (a link acts once), named after its signature so the line can be traced to it.
            let id = "l-" + link.signature.prefix(10).map { $0 == "-" || $0 == "_" ? "x" : String($0) }.joined()
            return .window(.init(kind: .silence, id: id, by: by, at: now, matchers: .init(check: check), start: now,
                                 end: now + settings.silenceFor, reason: "silenced with a one-tap link on incident \(link.incident)"))
        }
    }

    /// Who acted: the name typed on the page (trimmed, control characters dropped, at most 64 characters), else `link`.
    static func person(_ name: String?) -> String {
        let cleaned = String(String.UnicodeScalarView((name ?? "").unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }))
            .trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty ? "link" : String(cleaned.prefix(maxNameLength))
    }

    func siteName(_ incident: String) -> String? {
        guard let cut = incident.lastIndex(of: "/") else { return nil }
        return config.site(forCheck: String(incident[..<cut]))?.name
    }

    private func refuse(_ refusal: Refusal, _ link: ActionLink?) -> Response {
        count(link?.action.rawValue ?? "unknown", refusal.rawValue)
        let text: String
        switch refusal {
        case .forged: text = "This link is not valid."
        case .expired: text = "This link has expired. Use `classify \(link?.action.rawValue ?? "ack")` instead."
        case .used: text = "This link has already been used."
        }
        return ActionPage.response(.forbidden, ActionPage.message("Not allowed", text))
    }

    private func failed(_ error: any Error, _ link: ActionLink?) -> Response {
        count(link?.action.rawValue ?? "unknown", "error")
        logger.error("action link: \(Redactor.shared.redact("\(error)"))")
        return ActionPage.response(.serviceUnavailable, ActionPage.message("Not done", "The receiver could not record it; try again."))
    }

    private func count(_ action: String, _ outcome: String) {
        metrics.actionLink(action: action, outcome: outcome)
    }

    /// The field of the confirmation form.
    struct Form: Decodable {
        var by: String?
    }

    /// Adds `GET /act/<token>` and `POST /act/<token>` to the receiver's router.
    func register(on router: Router<BasicRequestContext>) {
        router.get("act/:token") { _, context -> Response in
            show(context.parameters.get("token").flatMap(ActionLink.init(token:)))
        }
        router.post("act/:token") { request, context -> Response in
            var request = request
            let body: ByteBuffer
            do { body = try await request.collectBody(upTo: ActionEndpoint.maxFormBytes) } catch {
                return ActionPage.response(.contentTooLarge, ActionPage.message("Not allowed", "The form is too large."))
            }
            let form = try? URLEncodedFormDecoder().decode(Form.self, from: String(buffer: body))
            return act(context.parameters.get("token").flatMap(ActionLink.init(token:)), by: form?.by)
        }
    }
}

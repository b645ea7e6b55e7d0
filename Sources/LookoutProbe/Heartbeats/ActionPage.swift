import Hummingbird
import LookoutCore
import NIOCore

/// ActionPage is the plain HTML the action links answer with: a confirmation form, what was done, or why not. No
/// script, no external resource, so it works on any phone and leaks the link (which is in the page's URL) to no one.
enum ActionPage {
    /// Headers on every page: never cached (a shared cache must not keep a link's page), never framed, no referrer.
    static func response(_ status: HTTPResponse.Status, _ html: String) -> Response {
        Response(status: status,
                 headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                           .init("Referrer-Policy")!: "no-referrer", .init("X-Frame-Options")!: "DENY",
                           .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"],
                 body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func confirm(_ link: ActionLink, silenceFor: TimeSpan, site: String?) -> String {
        let what = link.action == .ack ? "Acknowledge" : "Silence for \(silenceFor)"
        let explain = link.action == .ack
            ? "You are on it: no more reminders or escalation for this incident."
            : "Its check's incidents open at severity none for \(silenceFor); if it is still down then, it alerts again."
        return page(what, """
            <p>\(escape(what)) incident <code>\(escape(link.incident))</code>\(site.map { " (\(escape($0)))" } ?? "")?</p>
            <p>\(escape(explain))</p>
            <form method="post">
            <p><label>Your name <input name="by" maxlength="\(ActionEndpoint.maxNameLength)" autocomplete="name"></label></p>
            <p><button type="submit">\(escape(what))</button></p>
            </form>
            <p><small>Link valid until \(link.expires).</small></p>
            """)
    }

    static func done(_ link: ActionLink, by: String, silenceFor: TimeSpan) -> String {
        let what = link.action == .ack ? "Acknowledged" : "Silenced for \(silenceFor):"
        return page("Done", "<p>\(escape(what)) <code>\(escape(link.incident))</code> as \(escape(by)).</p>")
    }

    static func message(_ title: String, _ text: String) -> String { page(title, "<p>\(escape(text))</p>") }

    static func page(_ title: String, _ body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex"><title>lookout: \(escape(title))</title>
        <style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}button{font-size:1.2rem;padding:.6rem 1.2rem}</style>
        </head><body><h1>\(escape(title))</h1>
        \(body)
        </body></html>

        """
    }

    static func escape(_ text: String) -> String { text.htmlEscaped }
}

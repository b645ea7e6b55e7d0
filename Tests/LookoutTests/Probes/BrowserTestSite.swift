import Foundation
@testable import LookoutCore
@testable import LookoutProbe
@testable import LookoutTesting
import Testing

/// The loopback site the browser tests load: a shop whose products a script renders from an API call, and the ways
/// such a page breaks. The HTML shell is the same for every page; only the script or the API behind it differs.
enum BrowserTestSite {
    static func shell(script: String) -> String {
        """
        <!doctype html><html><head><title>ACME Shop</title></head>
        <body><header><h1>ACME Shop</h1></header><main id="products"></main>
        <script src="\(script)"></script></body></html>
        """
    }

    /// Fetches `api` and renders one paragraph per product; on an API error it renders nothing (the header-only page).
    static func renderer(api: String) -> String {
        """
        fetch("\(api)").then(r => { if (!r.ok) throw new Error("api " + r.status); return r.json(); }).then(items => {
          const main = document.getElementById("products");
          for (const item of items) {
            const p = document.createElement("p");
            p.className = "product";
            p.textContent = item.name + ": the finest " + item.name.toLowerCase() + " in the land, $" + item.price;
            main.appendChild(p);
          }
          const footer = document.createElement("footer");
          footer.textContent = "© ACME Ltd";
          document.body.appendChild(footer);
        }).catch(e => console.error("could not load the products:", e.message));
        """
    }

    static let products = "[" + (1...40).map { #"{"name":"Anvil \#($0)","price":\#($0 * 3)}"# }.joined(separator: ",") + "]"

    static func reply(path: String, count: Int, broken: Bool) -> ProbeSite.Reply {
        let html = [("Content-Type", "text/html; charset=utf-8")]
        let js = [("Content-Type", "text/javascript")]
        let json = [("Content-Type", "application/json")]
        switch path {
        case "/", "/shop": return .init(headers: html, body: shell(script: broken ? "/broken.js" : "/app.js"))
        case "/app.js": return .init(headers: js, body: renderer(api: "/api/products"))
        // The deploy that broke the bundle: a syntax error, so nothing renders and nothing is fetched.
        case "/broken.js": return .init(headers: js, body: "fetch(\"/api/products\").then(r => r.json()).then(items => {")
        case "/api/products": return .init(headers: json, body: products)
        case "/api-down": return .init(headers: html, body: shell(script: "/api-down.js"))
        case "/api-down.js": return .init(headers: js, body: renderer(api: "/api/down"))
        case "/api/down": return .init(status: 500, headers: json, body: #"{"error":"database unavailable"}"#)
        case "/throws": return .init(headers: html, body: shell(script: "/throws.js"))
        case "/throws.js": return .init(headers: js, body: renderer(api: "/api/products") + "\nwindow.acme.init();")
        // An image that takes a minute: the load event never fires within any test's timeout.
        case "/slow":
            return .init(headers: html, body: shell(script: "/app.js").replacingOccurrences(of: "</main>", with: "</main><img src=\"/slow.png\">"))
        case "/slow.png": return .init(headers: [("Content-Type", "image/png")], body: "", delay: .seconds(60))
        // An API that answers after a minute: the page loads, and the check is still waiting on it when killed.
        case "/hanging": return .init(headers: html, body: shell(script: "/hanging.js"))
        case "/hanging.js": return .init(headers: js, body: renderer(api: "/api/hang"))
        case "/api/hang": return .init(headers: json, body: products, delay: .seconds(60))
        // Says whether this browser context has been here before: a cookie set on the first visit.
        case "/visitor": return .init(headers: html, body: shell(script: "/visitor.js"))
        case "/visitor.js":
            return .init(headers: js, body: """
                document.getElementById("products").textContent = document.cookie.includes("seen=1") ? "welcome back" : "first visit";
                document.cookie = "seen=1; max-age=3600";
                """)
        default: return .init(status: 404, body: "not found")
        }
    }

    /// Serves the site; `broken` switches `/shop` to the broken script.
    static func start(broken: Locked<Bool> = Locked(false)) async throws -> ProbeSite {
        try await ProbeSite { path, count in reply(path: path, count: count, broken: broken.value) }
    }

    static let chromium = "/usr/bin/chromium"

    /// Whether chromium is installed; when it is not, records an issue naming the install script (CI runs it, so
    /// there a missing browser fails the test) and the caller returns.
    static func chromiumInstalled() -> Bool {
        let installed = FileManager.default.isExecutableFile(atPath: chromium)
        if !installed { Issue.record("chromium is not installed: pipelines/install-deps installs it (.ci/run runs it)") }
        return installed
    }
}

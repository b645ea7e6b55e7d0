import LookoutCore

extension ProbeOutcome {
    /// A fetch that got no response to judge: down, naming the redirect assertion it broke, else with the error.
    init(fetchFailure f: HTTPRequestSpec.Failure) {
        self.init(ok: false)
        latencyMs = ProbeOutcome.round(f.elapsedMs)
        if let a = f.assertion { fail(a, because: f.reason) } else { error = f.reason }
    }

    /// A response before any judgement: up, with its status, size, latency and timings (and redirects, if any).
    init(response r: HTTPRequestSpec.Response) {
        self.init(ok: true)
        status = r.status
        bytes = r.bytes
        latencyMs = ProbeOutcome.round(r.totalMs)
        details = [
            JSONMember(key: "ttfb_ms", value: .double(ProbeOutcome.round(r.ttfbMs))),
            JSONMember(key: "total_ms", value: .double(ProbeOutcome.round(r.totalMs))),
        ]
        if !r.redirects.isEmpty {
            details.append(JSONMember(key: "redirects", value: .array(r.redirects.map { .string($0) })))
            details.append(JSONMember(key: "final_url", value: .string(r.finalURL)))
        }
    }
}

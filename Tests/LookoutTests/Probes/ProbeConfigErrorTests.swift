@testable import LookoutCore
import Testing

/// Each kind's invalid settings, mapped to the exact `FILE:LINE: message` they must give (the check starts at line 7).
@Suite struct ProbeConfigErrorTests {
    @Test(arguments: [
        // http
        ("- id: a\n  http: ftp://acme.example/", "test.yaml:8: sites[0].checks[0].http must be an http:// or https:// URL (got \"ftp://acme.example/\")"),
        ("- id: a\n  http: http://127.0.0.1:99999/", "test.yaml:8: sites[0].checks[0].http has port 99999, outside 1...65535 (got \"http://127.0.0.1:99999/\")"),
        ("- id: a\n  http: http://127.0.0.1:99999999999999999999999/", "test.yaml:8: sites[0].checks[0].http has port 99999999999999999999999, outside 1...65535 (got \"http://127.0.0.1:99999999999999999999999/\")"),
        ("- id: a\n  health: http://127.0.0.1:0/health", "test.yaml:8: sites[0].checks[0].health has port 0, outside 1...65535 (got \"http://127.0.0.1:0/health\")"),
        ("- id: a\n  tls: https://acme.example:70000/", "test.yaml:8: tls target has port 70000, outside 1...65535 (got \"https://acme.example:70000/\")"),
        ("- id: a\n  http: https://acme.example/\n  every: 106751991166d106751991166d", "test.yaml:9: sites[0].checks[0].every must be a duration such as 30s, 5m, 1h30m or 250ms"),
        ("- id: a\n  http: https://acme.example/\n  every: 53375995584d", "test.yaml:9: sites[0].checks[0].every must be at most 366d (got 53375995584d)"),
        ("- id: a\n  http: https://acme.example/\n  timeout: 367d", "test.yaml:9: sites[0].checks[0].timeout must be at most 366d (got 367d)"),
        ("- id: a\n  http: https://acme.example/\n  confirm: {failures: 10001}", "test.yaml:9: sites[0].checks[0].confirm.failures must be between 1 and 10000"),
        ("- id: a\n  http: https://acme.example/\n  recover: {successes: 9223372036854775807}", "test.yaml:9: sites[0].checks[0].recover.successes must be between 1 and 10000"),
        ("- id: a\n  http: https://acme.example/\n  size_anomaly: {samples: 10001}", "test.yaml:9: sites[0].checks[0].size_anomaly.samples must be between 1 and 10000"),
        ("- id: a\n  http: https://acme.example/\n  expect: {min_bytes: 1099511627777}", "test.yaml:9: sites[0].checks[0].expect.min_bytes must be between 0 and 1099511627776"),
        ("- id: a\n  tls: acme.example\n  warn_days: 3651", "test.yaml:9: sites[0].checks[0].warn_days must be between 0 and 3650"),
        ("- id: a\n  http: https://acme.example/\n  method: FETCH", "test.yaml:9: sites[0].checks[0].method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (got \"FETCH\")"),
        ("- id: a\n  http: https://acme.example/\n  expect: {status: [700]}", "test.yaml:9: sites[0].checks[0].expect.status[0] must be an HTTP status between 100 and 599"),
        ("- id: a\n  http: https://acme.example/\n  expect: {contains: [\"/[unclosed/\"]}", "test.yaml:9: sites[0].checks[0].expect.contains[0] is not a valid regular expression: [unclosed"),
        ("- id: a\n  http: https://acme.example/\n  expect: {max_ms: 0}", "test.yaml:9: sites[0].checks[0].expect.max_ms must be more than 0"),
        ("- id: a\n  http: https://acme.example/\n  expect: {min_bytes: lots}", "test.yaml:9: sites[0].checks[0].expect.min_bytes must be a whole number"),
        ("- id: a\n  http: https://acme.example/\n  expect: {stauts: 200}", "test.yaml:9: unknown key \"stauts\" in sites[0].checks[0].expect (known: contains, max_ms, min_bytes, not_contains, status)"),
        ("- id: a\n  http: https://acme.example/\n  redirects: 50", "test.yaml:9: sites[0].checks[0].redirects must be between 0 and 20"),
        ("- id: a\n  http: https://acme.example/\n  headers: {Authorization: \"Bearer ${NO_SUCH_TOKEN}\"}", "test.yaml:9: environment variable NO_SUCH_TOKEN is not set"),
        ("- id: a\n  http: https://acme.example/\n  ca_file: /nonexistent/ca.pem", "test.yaml:9: cannot read ca_file /nonexistent/ca.pem as PEM certificates"),
        ("- id: a\n  http: https://acme.example/\n  size_anomaly: {ratio: 2}", "test.yaml:9: sites[0].checks[0].size_anomaly.ratio must be between 0 and 1 (0.3 means 30% of the median)"),
        ("- id: a\n  http: https://acme.example/\n  size_anomaly: {samples: 3, min_samples: 5}", "test.yaml:9: sites[0].checks[0].size_anomaly.min_samples (5) must not exceed samples (3)"),
        ("- id: a\n  http: https://acme.example/\n  banner: x", "test.yaml:9: unknown key \"banner\" in sites[0].checks[0] (known: body, ca_file, classify, confirm, every, expect, headers, http, id, method, name, recover, redirects, size_anomaly, timeout, verify_tls)"),
        // health
        ("- id: a\n  health: https://acme.example/health\n  assert: ['$.db = \"ok\"']", "test.yaml:9: sites[0].checks[0].assert[0]: expected one of == != < <= > >= after the path in $.db = \"ok\""),
        ("- id: a\n  health: https://acme.example/health\n  assert: ['db == \"ok\"']", "test.yaml:9: sites[0].checks[0].assert[0]: an assertion starts with a path at $ (as in $.checks.db == \"ok\") in db == \"ok\""),
        ("- id: a\n  health: https://acme.example/health\n  components: maybe", "test.yaml:9: sites[0].checks[0].components must be true or false"),
        // tls
        ("- id: a\n  tls: acme.example:99999", "test.yaml:8: tls target must be host, host:port or https://host/ (got \"acme.example:99999\")"),
        ("- id: a\n  tls: acme.example\n  warn_days: -1", "test.yaml:9: sites[0].checks[0].warn_days must not be negative"),
        // dns
        ("- id: a\n  dns: acme.example\n  record: SRV", "test.yaml:9: sites[0].checks[0].record must be one of A, AAAA, CNAME, MX, NS, TXT (got \"SRV\")"),
        ("- id: a\n  dns: acme.example\n  server: dns.example", "test.yaml:9: sites[0].checks[0].server must be an IP address, optionally with :port (got \"dns.example\")"),
        ("- id: a\n  dns: acme.example\n  server: 127.0.0.1:0", "test.yaml:9: sites[0].checks[0].server has an invalid port"),
        ("- id: a\n  dns: acme.example\n  expect: [\"999.1.1.1\"]", "test.yaml:9: sites[0].checks[0].expect[0] \"999.1.1.1\" is not an IPv4 address"),
        // exec
        ("- id: a\n  exec: /nonexistent/check_disk -w 10%", "test.yaml:8: sites[0].checks[0].exec: /nonexistent/check_disk is not an executable file"),
        ("- id: a\n  exec: \"check_disk 'unterminated\"", "test.yaml:8: sites[0].checks[0].exec has an unterminated quote"),
        ("- id: a\n  exec: []", "test.yaml:8: sites[0].checks[0].exec needs a program to run"),
    ])
    func invalid(yaml: String, message: String) {
        #expect(ProbeTestSupport.error(yaml) == message)
    }
}

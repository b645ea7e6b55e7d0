@testable import LookoutCore
@testable import LookoutProbe
import Testing

@Suite struct JSONPathAssertionTests {
    static let document = JSONValue.parse("""
        {"status":"ok","checks":{"db":"ok","cache":{"status":"degraded"}},"queue":{"failed":3,"rate":2.5},
         "disk":{"/":{"used_pct":91}},"servers":[{"name":"web1","up":true},{"name":"web2","up":false}],"note":null}
        """)!

    @Test(arguments: [
        (#"$.checks.db == "ok""#, nil),
        (#"$.checks.db != "ok""#, #"$.checks.db is "ok", expected != "ok""#),
        (#"$.checks.cache.status == "ok""#, #"$.checks.cache.status is "degraded", expected == "ok""#),
        ("$.queue.failed < 10", nil),
        ("$.queue.failed <= 3", nil),
        ("$.queue.failed > 3", "$.queue.failed is 3, expected > 3"),
        ("$.queue.failed >= 3", nil),
        ("$.queue.rate == 2.5", nil),
        ("$.queue.failed == 3.0", nil),
        (#"$.disk["/"].used_pct < 90"#, #"$.disk["/"].used_pct is 91, expected < 90"#),
        ("$.servers[1].up == true", "$.servers[1].up is false, expected == true"),
        (#"$.servers[0].name == "web1""#, nil),
        ("$.servers[5].up == true", "$.servers[5].up not found"),
        ("$.note == null", nil),
        ("$.status < 5", #"$.status is "ok", not a number"#),
        ("$.nothing.here == 1", "$.nothing.here not found"),
    ] as [(String, String?)])
    func evaluates(text: String, failure: String?) throws {
        let a = try JSONPathAssertion(parsing: text)
        #expect(a.failure(in: Self.document) == failure)
        #expect(a.written == text)
    }

    @Test(arguments: [
        ("checks.db == \"ok\"", "an assertion starts with a path at $ (as in $.checks.db == \"ok\")"),
        ("$.checks.db = \"ok\"", "expected one of == != < <= > >= after the path"),
        ("$.checks.db == ok", "the value after == must be a JSON literal: \"text\", a number, true, false or null"),
        ("$.checks. == 1", "a name must follow \".\" in the path"),
        ("$.disk[\"/].x == 1", "unterminated [\"key\"] in the path"),
        ("$.disk[x] == 1", "[...] in the path holds a \"quoted key\" or an index"),
        ("$.servers[0 == 1", "missing ] in the path"),
        ("$.queue.failed < \"ten\"", "< compares numbers; the value must be a number"),
        ("$.queue.failed ==", "the value after == must be a JSON literal: \"text\", a number, true, false or null"),
    ])
    func refuses(text: String, message: String) {
        #expect(throws: JSONPathAssertion.ParseError(message: message)) { try JSONPathAssertion(parsing: text) }
    }
}

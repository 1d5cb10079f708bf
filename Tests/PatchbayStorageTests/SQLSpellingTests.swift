import Foundation
import PatchbayStorage
import Testing

/// SQL text comes only from literals; a runtime string becomes SQL only through a spelling that says unsafe.
@Suite struct SQLSpellingTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources").standardized

    @Test func noSourceBuildsSQLFromAStringByTheLiteralInitializer() throws {
        let files = try #require(FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil))
        var offenders: [String] = []
        var scanned = 0
        for case let url as URL in files where url.pathExtension == "swift" {
            scanned += 1
            let text = try String(contentsOf: url, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains("SQLQuery(stringLiteral:") || line.contains("(raw:") {
                offenders.append("\(url.lastPathComponent):\(number + 1)")
            }
        }
        #expect(scanned > 100, "the scan found the sources")
        #expect(offenders.isEmpty, "use SQLQuery(unsafeSQL:) or \\(unsafeRaw:) for whitelisted text: \(offenders)")
    }

    @Test func interpolatedValuesAreBoundAndOnlyUnsafeSpellingsSplice() {
        let hostile = "x' OR '1'='1"
        let query: SQLQuery = "SELECT * FROM users WHERE id = \(hostile)"
        let (sql, binds) = query.render(for: .sqlite)
        #expect(sql == "SELECT * FROM users WHERE id = ?")
        #expect(binds == [.text(hostile)])
        let column = "name"
        let ordered: SQLQuery = "SELECT * FROM users ORDER BY \(unsafeRaw: column)" + SQLQuery(unsafeSQL: " LIMIT 1")
        #expect(ordered.render(for: .postgres).sql == "SELECT * FROM users ORDER BY name LIMIT 1")
    }
}

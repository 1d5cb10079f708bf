import Foundation
import Testing

@testable import PatchbayCore

@Suite struct FormatTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(1_795_341_600_123), "2026-11-22T10:00:00.123Z"),
        (Int64(951_782_400_000), "2000-02-29T00:00:00.000Z"),
        (Int64(-1), "1969-12-31T23:59:59.999Z"),
    ])
    func formatsRFC3339(millis: Int64, text: String) {
        #expect(Timestamp.format(millis) == text)
        #expect(Timestamp.parse(text) == millis)
    }

    /// The digits are written by hand (envelopes are assembled by the hundred per claim): they must agree with
    /// Foundation's RFC 3339 formatting across the whole range, padding included.
    @Test func handWrittenDigitsAgreeWithFoundation() {
        var generator = SystemRandomNumberGenerator()
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        for _ in 0..<2_000 {
            // From 1600: before the Gregorian reform Foundation's calendar is the Julian one, RFC 3339's is not.
            let millis = Int64.random(in: -11_676_096_000_000...Timestamp.latestMillis, using: &generator)
            let expected = Date(timeIntervalSince1970: Double(millis) / 1000).formatted(style)
            // Foundation rounds the fraction through a Double; compare up to the seconds, and the milliseconds exactly.
            let text = Timestamp.format(millis)
            #expect(text.count == 24 && text.prefix(19) == expected.prefix(19), "\(millis)")
            #expect(text.dropFirst(20).prefix(3) == String(format: "%03d", Int(((millis % 1000) + 1000) % 1000)), "\(millis)")
        }
    }

    @Test func parsesOffsetsAndRefusesGarbage() {
        #expect(Timestamp.parse("2026-11-22T12:00:00+02:00") == Timestamp.parse("2026-11-22T10:00:00Z"))
        #expect(Timestamp.parse("tomorrow") == nil)
        #expect(Timestamp.parse("2026-13-01T00:00:00Z") == nil)
        #expect(Timestamp.parse(String(repeating: "9", count: 1000)) == nil)
    }

    @Test func cursorsRoundTripAndRejectTampering() throws {
        let order = SortOrder(field: "name", descending: true)
        let cursor = Cursor(sort: order.description, value: .text("Zoë"), id: "org_X")
        #expect(try Cursor.decode(cursor.encoded(), for: order) == cursor)
        #expect(throws: PatchbayError.self) { try Cursor.decode(cursor.encoded(), for: SortOrder(field: "name", descending: false)) }
        #expect(throws: PatchbayError.self) { try Cursor.decode("not-a-cursor", for: order) }
        #expect(throws: PatchbayError.self) { try Cursor.decode("", for: order) }
    }

    @Test func sortOrderAcceptsOnlyWhitelistedFields() throws {
        #expect(try SortOrder.parse("-name", allowed: ["name"]) == SortOrder(field: "name", descending: true))
        #expect(try SortOrder.parse(nil, allowed: ["name"]) == SortOrder(field: "createdAt", descending: false))
        let error = try #require(throws: PatchbayError.self) { try SortOrder.parse("name; DROP TABLE users", allowed: ["name"]) }
        #expect(error.errors.first?.parameter == "sort")
    }

    @Test func retrySchedulesParse() throws {
        #expect(try RetrySchedule.parse("5s,5m,30m,2h,5h,10h,10h").get() == RetrySchedule.standard)
        #expect(try RetrySchedule.parse("1500ms,1d").get().delaysInSeconds == [1, 86_400])
        for bad in ["", "5", "5x", "-5s", "5s,,5m", "99999999999999h"] {
            #expect(throws: PatchbayError.self, "\(bad)") { try RetrySchedule.parse(bad).get() }
        }
    }

    @Test(arguments: [
        ("Acme", true), ("   ", false), ("", false), ("a\u{0}b", false), ("tab\there", false), ("Zoë 🚀 株式会社", true),
        (String(repeating: "x", count: 200), true), (String(repeating: "x", count: 201), false),
    ])
    func namesAreChecked(name: String, valid: Bool) {
        #expect((FieldRules.name(name, at: "/name") == nil) == valid)
    }

    @Test(arguments: [
        ("ada@example.com", true), ("a.b+c@sub.example.org", true), ("no-at-sign", false), ("@example.com", false),
        ("a@b", false), ("a@@b.com", false), ("a b@example.com", false), ("<a@example.com>", false),
    ])
    func emailsAreChecked(email: String, valid: Bool) {
        #expect((FieldRules.email(email, at: "/email") == nil) == valid)
    }

    @Test(arguments: [("+1 555 010 0199", true), ("(030) 1234-5678", true), ("12", false), ("+1+2 3456789", false), ("call me", false)])
    func phonesAreChecked(phone: String, valid: Bool) {
        #expect((FieldRules.phone(phone, at: "/phone") == nil) == valid)
    }

    @Test func eventEnvelopeHasTheContractFields() throws {
        let event = Event(
            id: "evt_1", type: "user.created", organizationId: "org_1", organizationPath: .root("org_1"),
            actor: Actor(type: .user, id: "usr_1"), data: ["name": "Ada"], createdAt: 0
        )
        let object = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(event))
        #expect(object["action"] == "created")
        #expect(object["type"] == "user.created")
        #expect(object["organizationId"] == "org_1")
        #expect(object["createdAt"] == "1970-01-01T00:00:00.000Z")
        #expect(object["data"]?["name"] == "Ada")
        #expect(object["actor"]?["type"] == "user")
    }
}

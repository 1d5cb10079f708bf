import Testing
@testable import PatchbayStorage
@Test func placeholder() {}

import Testing
@testable import PatchbayCore
@Test func placeholder() {}

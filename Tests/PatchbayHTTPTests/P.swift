import Testing
import HummingbirdTesting
import AsyncHTTPClient
@testable import PatchbayApp
@Test func placeholder() {}

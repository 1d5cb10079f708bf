import Testing

@testable import PatchbayStorage

@Suite struct DecodedCacheTests {
    final class Counter: @unchecked Sendable {
        var decodes = 0
    }

    @Test func aChangedRowIsDecodedAfreshAndTheSameTextIsNot() {
        let cache = DecodedCache<Int>(capacity: 4, maxTextBytes: 1 << 10)
        let counter = Counter()
        let decode: (String) -> Int = { text in
            counter.decodes += 1
            return text.count
        }
        #expect(cache.value(for: "a", text: "one", decode: decode) == 3)
        #expect(cache.value(for: "a", text: "one", decode: decode) == 3)
        #expect(counter.decodes == 1)
        // Changed elsewhere (another instance, another process): the stored text differs, so it is decoded again.
        #expect(cache.value(for: "a", text: "three", decode: decode) == 5)
        #expect(counter.decodes == 2)
        #expect(cache.value(for: "b", text: "one", decode: decode) == 3)
        #expect(counter.decodes == 3, "kept by row, not by text")
        // Unicode-equivalent but different bytes (a precomposed "é", then "e" and a combining accent): decoded afresh,
        // since the JSON text is what is sent and stored.
        _ = cache.value(for: "c", text: "\u{E9}", decode: decode)
        _ = cache.value(for: "c", text: "e\u{301}", decode: decode)
        #expect(counter.decodes == 5)
    }

    @Test func itStaysWithinItsBounds() {
        let cache = DecodedCache<Int>(capacity: 2, maxTextBytes: 40)
        let counter = Counter()
        let decode: (String) -> Int = { text in
            counter.decodes += 1
            return text.count
        }
        _ = cache.value(for: "huge", text: String(repeating: "x", count: 11), decode: decode)
        _ = cache.value(for: "huge", text: String(repeating: "x", count: 11), decode: decode)
        #expect(counter.decodes == 2, "a text above a quarter of the budget is never kept")
        for key in ["a", "b", "c"] { _ = cache.value(for: key, text: "1234", decode: decode) }
        counter.decodes = 0
        _ = cache.value(for: "c", text: "1234", decode: decode)
        #expect(counter.decodes == 0, "the newest entry survives the clear at capacity")
        _ = cache.value(for: "a", text: "1234", decode: decode)
        #expect(counter.decodes == 1, "the oldest went when the capacity was reached")
    }
}

import Foundation
import PatchbayCore

/// `PatchbayBench patterns [--runs N]`: the bounded matcher (`Pattern`) on the classic catastrophic patterns, a few
/// realistic ones and generated ones near the 1,000-character limit: the time to compile each, then to decide
/// `matches` on 60 `a`s and a `b` (µs) and on a 1 MiB value built to keep the matcher busy (ms), the median of N
/// runs (of 3 when one run takes over a second), then the worst of each column.
struct PatternScenario {
    var runs = 5

    private struct Case {
        let pattern: String
        /// What the 1 MiB value is, for the table.
        let value: String
        let makeValue: () -> String

        init(_ pattern: String, on value: String, _ makeValue: @escaping () -> String) {
            (self.pattern, self.value, self.makeValue) = (pattern, value, makeValue)
        }
    }

    private static let size = 1 << 20

    func run() throws {
        print("pattern                                              compile ms   60a+b µs  1 MiB value                      match ms  match")
        var worst = (compile: 0.0, short: 0.0, long: 0.0)
        let shortValue = String(repeating: "a", count: 60) + "b"
        for example in Self.cases() {
            let compile = Self.median(runs) { _ = try? Pattern(example.pattern) }
            let pattern = try Pattern(example.pattern)
            let short = Self.median(max(runs, 25)) { _ = pattern.matches(shortValue) } * 1000
            let value = example.makeValue()
            var found = false
            let long = Self.median(runs) { found = pattern.matches(value) }
            worst = (max(worst.compile, compile), max(worst.short, short), max(worst.long, long))
            let shown = example.pattern.count > 52 ? example.pattern.prefix(49) + "…" : example.pattern[...]
            print(
                String(shown).padding(toLength: 52, withPad: " ", startingAt: 0)
                    + String(format: " %10.2f %10.1f  ", compile, short)
                    + example.value.padding(toLength: 30, withPad: " ", startingAt: 0)
                    + String(format: " %10.1f  %@", long, found ? "yes" : "no")
            )
        }
        print(
            String(
                format: "max: compile %.2f ms, 60a+b %.1f µs, 1 MiB %.1f ms (median of %d runs each)", worst.compile, worst.short, worst.long,
                runs))
    }

    private static func cases() -> [Case] {
        let mebibyte = size
        // As many whole units as fit in 1 MiB between the head and the tail.
        func repeated(_ unit: String, after head: String = "", then tail: String = "") -> () -> String {
            { head + String(repeating: unit, count: (mebibyte - head.utf8.count - tail.utf8.count) / unit.utf8.count) + tail }
        }
        // Random a/b runs of `length` letters, each ended by "c": a new DFA state at almost every byte.
        func letterRuns(_ length: Int) -> () -> String {
            {
                var random = SplitMix64(seed: 42)
                var bytes: [UInt8] = []
                bytes.reserveCapacity(mebibyte)
                while bytes.count < mebibyte {
                    for _ in 0..<length { bytes.append(random.next() & 1 == 0 ? 0x61 : 0x62) }
                    bytes.append(0x63)
                }
                return String(decoding: bytes.prefix(mebibyte), as: UTF8.self)
            }
        }
        let words = Self.words(120)
        return [
            Case("(a+)+$", on: "a… b", repeated("a", then: "b")),
            Case("(a|aa)+$", on: "a… b", repeated("a", then: "b")),
            Case("^(a|aa)+$", on: "a… b", repeated("a", then: "b")),
            Case("(a|a?)+b", on: "a…", repeated("a")),
            Case("(.*a){20}", on: "19 a, then b…", repeated("b", after: String(repeating: "a", count: 19))),
            Case("(x+x+)+y", on: "x…", repeated("x")),
            Case(#"^(\w+\s?)*$"#, on: "\"hello world \"… !", repeated("hello world ", then: "!")),
            Case("(a*)*b", on: "a…", repeated("a")),
            Case("([a-zA-Z]+)*$", on: "\"abcDEF\"… 1", repeated("abcDEF", then: "1")),
            Case("(?:a|b)*a(?:a|b){20}", on: "random a/b runs of 20, c", letterRuns(20)),
            Case(#"^[^\s@]+@[^\s@]+\.[^\s@]+$"#, on: "a… (no @)", repeated("a")),
            Case(
                #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$"#, on: "date-times…",
                repeated("2024-05-01T10:00:00Z")),
            Case("^[a-z0-9]+(?:-[a-z0-9]+)*$", on: "\"abc-def-\"… !", repeated("abc-def-", then: "!")),
            Case(#"^\p{L}[\p{L}\p{N} ._-]*$"#, on: "\"héllo wörld 日本語 \"… !", repeated("héllo wörld 日本語 ", then: "!")),
            Case(#"\b(?:error|fail(?:ed|ure)?|timeout)\b"#, on: "log lines without them", repeated("GET /v1/pets 200 12ms ok\n")),
            Case(#"\b(?:"# + words.joined(separator: "|") + #")\b"#, on: "other words…", repeated("lorem ipsum dolor sit amet ")),
            Case(Self.adversarial(), on: "random a/b runs of 320, c", letterRuns(320)),
            Case(#"[ab]*a[ab]{495}\b|[ab]*b[ab]{494}\b"#, on: "random a/b runs of 480, c", letterRuns(480)),
            Case("[ab]*a[ab]{0,990}d", on: "random a/b runs of 900, c", letterRuns(900)),
            // Near the bound on a step's cost: 75 optional parts in a row, beside a chain that keeps the DFA thrashing.
            Case("[ab]*a(?:[ab]?){75}d|[ab]*a[ab]{400}c", on: "random a/b runs of 380, c", letterRuns(380)),
        ]
    }

    /// 120 made-up words for a generated alternation of about 1,000 characters.
    private static func words(_ count: Int) -> [String] {
        var random = SplitMix64(seed: 7)
        return (0..<count).map { _ in
            String((0..<(4 + Int(random.next() % 5))).map { _ in Character(Unicode.Scalar(UInt8(97 + random.next() % 26))) })
        }
    }

    /// The generated worst case: `[ab]*a[ab]{n}c` alternatives up to the bound of 1,000 scalars matched in sequence,
    /// which keep every one of their NFA threads alive on long runs of a and b: no DFA state is ever met twice, so
    /// every byte costs a step over those threads.
    private static func adversarial() -> String {
        (0..<3).map { "[ab]*\($0 % 2 == 0 ? "a" : "b")[ab]{\(330 - $0)}c" }.joined(separator: "|")
    }

    /// The median time of `runs` calls of `body` in ms; 3 calls when one takes over a second.
    private static func median(_ runs: Int, _ body: () -> Void) -> Double {
        var times: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<runs {
            let start = clock.now
            body()
            times.append(OpenAPIScenario.ms(clock.now - start))
            if times.count == 3, times.min() ?? 0 > 1000 { break }
        }
        return times.sorted()[times.count / 2]
    }
}

/// A small deterministic generator (SplitMix64), so every run measures the same values.
private struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

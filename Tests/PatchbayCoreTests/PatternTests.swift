import Foundation
import PatchbayTestSupport
import Testing

@testable import PatchbayCore

/// The bounded matcher against JavaScript: every expected value in the tables below is what Node's
/// `new RegExp(pattern, "u")` answered (`exec`, and `matchAll` with the `g` flag), indexes in Unicode scalars.
/// Hostile patterns are checked by counting the engines' steps, never by timing them.
@Suite struct PatternTests {
    struct ExecCase: Sendable, CustomTestStringConvertible {
        let pattern: String
        let input: String
        let index: Int?
        let groups: [String?]?

        init(_ pattern: String, _ input: String, at index: Int? = nil, _ groups: [String?]?) {
            (self.pattern, self.input, self.index, self.groups) = (pattern, input, index, groups)
        }

        var testDescription: String { "/\(pattern)/ on \(input.debugDescription.prefix(40))" }
    }

    struct GlobalCase: Sendable, CustomTestStringConvertible {
        let pattern: String
        let input: String
        let matches: [(index: Int, text: String)]

        init(_ pattern: String, _ input: String, _ matches: [(Int, String)]) {
            (self.pattern, self.input, self.matches) = (pattern, input, matches.map { (index: $0.0, text: $0.1) })
        }

        var testDescription: String { "/\(pattern)/g on \(input.debugDescription.prefix(40))" }
    }

    @Test(arguments: execCases)
    func firstMatchIsJavaScripts(_ example: ExecCase) throws {
        let pattern = try Pattern(example.pattern)
        let match = pattern.firstMatch(in: example.input)
        #expect(pattern.matches(example.input) == (example.groups != nil))
        guard let groups = example.groups else {
            #expect(match == nil)
            return
        }
        let found = try #require(match)
        #expect(example.input.unicodeScalars.distance(from: example.input.startIndex, to: found.range.lowerBound) == example.index)
        #expect((0...pattern.captureCount).map { found[$0].map(String.init) } == groups)
        #expect(found[pattern.captureCount + 1] == nil)
    }

    @Test(arguments: globalCases)
    func allMatchesAreJavaScripts(_ example: GlobalCase) throws {
        let pattern = try Pattern(example.pattern)
        let found = pattern.matches(in: example.input).map { match in
            (index: example.input.unicodeScalars.distance(from: example.input.startIndex, to: match.range.lowerBound), text: String(match[0] ?? ""))
        }
        #expect(found.map(\.index) == example.matches.map(\.index))
        #expect(found.map(\.text) == example.matches.map(\.text))
    }

    @Test func namedGroupsAreNumberedAndFoundByName() throws {
        let pattern = try Pattern(#"(?<verb>get|list)(?:By)?(?<noun>[A-Z]\w*)|(?<other>x)"#)
        #expect(pattern.captureCount == 3)
        #expect(pattern.groupNames == ["verb": 1, "noun": 2, "other": 3])
        let match = try #require(pattern.firstMatch(in: "listPets"))
        #expect(match["verb"] == "list")
        #expect(match["noun"] == "Pets")
        #expect(match["other"] == nil)
        #expect(match["missing"] == nil)
        #expect(match[-1] == nil)
    }

    @Test func renamingWithGroupsWorksOnEveryMatch() throws {
        let pattern = try Pattern(#"(?<word>[a-z]+)_(\d+)"#)
        let text = "pets_1 and owners_22, done"
        var result = ""
        var position = text.startIndex
        for match in pattern.matches(in: text) {
            result += text[position..<match.range.lowerBound]
            result += "\(match[2] ?? "")-\(match["word"] ?? "")"
            position = match.range.upperBound
        }
        result += text[position...]
        #expect(result == "1-pets and 22-owners, done")
    }

    @Test func rangesFallOnScalarsNotCharacters() throws {
        // "e" + COMBINING ACUTE ACCENT is one Character but two scalars; the u flag matches scalars.
        let text = "cafe\u{301}!"
        let match = try #require(try Pattern("e").firstMatch(in: text))
        #expect(match[0] == "e")
        #expect(text.unicodeScalars[match.range.upperBound] == "\u{301}")
        #expect(try Pattern("^.{6}$").matches(text))
    }

    // MARK: Refusals

    @Test(arguments: [
        ("(", 0), (")", 0), ("(a", 0), ("a)", 1), ("[a", 0), ("[z-a]", 1), ("a{3,1}", 1), ("*", 0), ("+a", 0), ("a**", 2),
        ("a{2}{3}", 4), (#"\"#, 0), (#"a\"#, 1), ("{", 0), ("}", 0), ("]", 0), ("a{", 1), ("a{1", 1), ("a{1,", 1), ("x{,3}", 1),
        ("(?i)a", 0), ("(?i:a)", 0), (#"\-"#, 0), (#"\a"#, 0), (#"\z"#, 0), (#"\08"#, 0), (#"\x4"#, 0), (#"\u12"#, 0),
        (#"\u{}"#, 0), (#"\u{110000}"#, 0), (#"\c"#, 0), (#"\c1"#, 0), (#"[\d-z]"#, 1), (#"[a-\d]"#, 1), (#"\p"#, 0),
        (#"\p{"#, 0), (#"\p{Foo}"#, 0), (#"\p{L"#, 0), (#"\P{gc=Foo}"#, 0), ("(?<>a)", 0), ("(?<1a>a)", 0),
        ("(?<a>x)(?<a>y)", 7), ("(?<a", 0), ("^*", 1), ("$+", 1), (#"\b*"#, 2), (#"\B{2}"#, 2), (#"[\B]"#, 1), (#"[\1]"#, 1),
        (#"\2(a)"#, 0), (#"\k<x>(?<y>a)"#, 0), (#"\k"#, 0), ("(?", 0), ("(?x)", 0), (#"[\k]"#, 1),
    ])
    func refusesWhatJavaScriptRefuses(source: String, offset: Int) throws {
        let error = try #require(throws: PatternError.self) { try Pattern(source) }
        #expect(error.kind == .syntax)
        #expect(error.offset == offset)
        #expect(!error.message.isEmpty)
    }

    @Test(arguments: [
        #"\1(a)"#, #"(a)\1"#, #"(?<n>a)\k<n>"#, "(?=a)", "(?!a)", "(?<=a)b", "(?<!a)b", #"\p{Script=Greek}"#, #"\p{sc=Latn}"#,
        #"\p{Extended_Pictographic}"#,
    ])
    func refusesBackreferencesAndLookaround(source: String) throws {
        let error = try #require(throws: PatternError.self) { try Pattern(source) }
        #expect(error.kind == .unsupported)
        #expect(error.message.contains("not supported"))
    }

    @Test(arguments: [
        "((a{1,100}){1,100}){1,100}", "(?:a{1000}){1000}", "(?:(?:(?:){1000}){1000}){1000}", "a{1001}", "a{1,99999999999999999999}",
        String(repeating: "(", count: 300) + String(repeating: ")", count: 300), String(repeating: "a", count: 1001),
        "(?:[a-z]{1,1000}){1,30}", String(repeating: "(?:a*", count: 70) + String(repeating: ")*", count: 70),
        "[a-z]{1,600}@[a-z]{1,600}", "(?:[ab]{300}|[cd]{300}){2}", "x(?:[ab]?){100}d", "^(?:[ab]|){300}d", "x(?:[ab]?[cd]?){100}d",
    ])
    func refusesPatternsThatExpandTooFar(source: String) throws {
        let error = try #require(throws: PatternError.self) { try Pattern(source) }
        #expect(error.kind == .tooComplex)
    }

    @Test func aThousandCharactersInSequenceAreAllowed() throws {
        // The bound is on scalars matched in sequence once counts are expanded: what keeps the bit-parallel fallback
        // near 50 ms a MiB. A 1,000-character pattern without counts, or one count up to 1,000, stays within it.
        for source in ["[a-z]{1,1000}", String(repeating: "a", count: 1000), "^[a-z0-9]{1,500}@[a-z0-9.]{1,490}$", #"\w{1000}"#] {
            #expect(throws: Never.self) { try Pattern(source) }
        }
        let error = try #require(throws: PatternError.self) { try Pattern("[a-z]{1,1000}x") }
        #expect(error.kind == .tooComplex && error.message.contains("more than 1000 characters"), "\(error.message)")
    }

    @Test func realisticPatternsStayWithinTheStepCost() throws {
        // The bound on a step of the DFA's fallback refuses constructed patterns only: these, among the costliest
        // patterns in common use, compile.
        let sources = [
            "^(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|"
                + "([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|"
                + "([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|"
                + "[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:))$",
            #"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"#,
            #"^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"#,
            "[ab]*a[ab]{0,990}d", "error.{0,500}timeout",
        ]
        for source in sources {
            let pattern = try Pattern(source)
            #expect(pattern.engine.stepper.stepCost <= BitParallelNFA.maximumStepCost)
        }
        #expect(try Pattern(sources[0]).matches("2001:db8::8a2e:370:7334"))
        #expect(try !Pattern(sources[0]).matches("2001:db8::8a2e::7334x"))
    }

    @Test func optionalRunsAreSteppedAsGroupsInLinearTime() async throws {
        // Seconds of CPU in a debug build: alone, so that timing tests beside it are not starved.
        try await exclusively {
            // Every copy in [ab]{0,990} may be followed by d: one group, not 990 successors each, so a step costs a
            // shift over 16 words and one test. Before groups this took 1.5 s a MiB; stepping threads, far more.
            let pattern = try Pattern("[ab]*a[ab]{0,990}d")
            var generator = SplitMix(seed: 9)
            var text = ""
            while text.utf8.count < 64 << 10 { text += String((0..<900).map { _ in generator.next() % 2 == 0 ? "a" : "b" }) + "c" }
            var steps = 0
            #expect(!pattern.matches(text, steps: &steps))
            #expect(steps <= text.utf8.count * 64, "\(steps) steps")
            #expect(pattern.matches(text + "ad"))
        }
    }

    @Test func syntaxErrorsWinOverUnsupportedConstructs() throws {
        // JavaScript rejects the whole pattern, so a lookahead before the error does not decide the kind.
        let error = try #require(throws: PatternError.self) { try Pattern("(?=a)[z-a]") }
        #expect(error == PatternError(.syntax, at: 6, "range out of order in character class"))
        #expect(error.description == "range out of order in character class (at offset 6)")
    }

    @Test func patternsOfTheMaximumLengthStayBounded() throws {
        let longest = String(repeating: "a", count: Pattern.maximumSourceLength)
        #expect(try Pattern(longest).matches("b" + longest))
        // Deterministic pseudo-random patterns of 1,000 scalars built from the most expanding pieces.
        var generator = SplitMix(seed: 7)
        let pieces = ["(?:", ")", "{1,1000}", "{999}", "*", "a", "[a-z]", "|", "(", "?", "+", "{2,7}"]
        for _ in 0..<50 {
            var source = ""
            while source.unicodeScalars.count < Pattern.maximumSourceLength {
                source += pieces[Int(generator.next() % UInt64(pieces.count))]
            }
            source = String(String.UnicodeScalarView(source.unicodeScalars.prefix(Pattern.maximumSourceLength)))
            if let pattern = try? Pattern(source) {
                #expect(pattern.programSize <= PatternCompiler.maximumInstructions)
            }
        }
    }

    // MARK: Linear time

    struct HostileCase: Sendable, CustomTestStringConvertible {
        let pattern: String
        let prefix: String
        let unit: String
        let suffix: String
        let matches: Bool

        /// `prefix`, `count` times `unit`, then `suffix`: the answer is the same for any count from 60 up.
        func input(_ count: Int) -> String { prefix + String(repeating: unit, count: count) + suffix }

        var testDescription: String { "/\(pattern)/ on \(prefix)\(unit)…\(suffix)" }
    }

    static let hostileCases: [HostileCase] = [
        HostileCase(pattern: "(a+)+$", prefix: "", unit: "a", suffix: "b", matches: false),
        HostileCase(pattern: "(a|aa)+$", prefix: "", unit: "a", suffix: "b", matches: false),
        HostileCase(pattern: "^(a|aa)+$", prefix: "", unit: "a", suffix: "b", matches: false),
        HostileCase(pattern: "(a|a?)+b", prefix: "", unit: "a", suffix: "", matches: false),
        HostileCase(pattern: "(.*a){20}", prefix: "", unit: "a", suffix: "b", matches: true),
        HostileCase(pattern: "(.*a){20}", prefix: String(repeating: "a", count: 19), unit: "b", suffix: "", matches: false),
        HostileCase(pattern: "(x+x+)+y", prefix: "", unit: "x", suffix: "", matches: false),
        HostileCase(pattern: #"^(\w+\s?)*$"#, prefix: "", unit: "ab ", suffix: "!", matches: false),
        HostileCase(pattern: "(a*)*b", prefix: "", unit: "a", suffix: "", matches: false),
        HostileCase(pattern: "([a-zA-Z]+)*$", prefix: "", unit: "ab", suffix: "1", matches: true),
        HostileCase(pattern: "(?:a|b)*a(?:a|b){20}", prefix: "", unit: "ba", suffix: "", matches: true),
        HostileCase(pattern: "(?:a|b)*a(?:a|b){20}", prefix: "", unit: "b", suffix: "a", matches: false),
        HostileCase(pattern: #"^(([a-z])+.)+[A-Z]([a-z])+$"#, prefix: "", unit: "a", suffix: "!", matches: false),
        HostileCase(pattern: #"^(\d+)*$"#, prefix: "", unit: "1", suffix: "x", matches: false),
        HostileCase(pattern: #"\b(\w+\s*)+\b!"#, prefix: "", unit: "ab ", suffix: "", matches: false),
    ]

    @Test(arguments: hostileCases)
    func catastrophicPatternsTakeLinearSteps(_ example: HostileCase) throws {
        let pattern = try Pattern(example.pattern)
        let size = pattern.programSize
        for count in [60, 2_000, 4_000] {
            let input = example.input(count)
            let bytes = input.utf8.count + 1
            var steps = 0
            #expect(pattern.matches(input, steps: &steps) == example.matches)
            #expect(steps <= 2 * bytes * size)
            steps = 0
            #expect((pattern.firstMatch(in: input, steps: &steps) != nil) == example.matches)
            #expect(steps <= 8 * bytes * size)
        }
        // Twice the text, at most twice the work (plus building the same few DFA states again).
        var (once, twice) = (0, 0)
        _ = pattern.matches(example.input(2_000), steps: &once)
        _ = pattern.matches(example.input(4_000), steps: &twice)
        #expect(twice <= 2 * once + 4 * size)
        (once, twice) = (0, 0)
        _ = pattern.firstMatch(in: example.input(2_000), steps: &once)
        _ = pattern.firstMatch(in: example.input(4_000), steps: &twice)
        #expect(twice <= 2 * once + 16 * size)
    }

    @Test func aMebibyteOfHostileTextIsDecided() async throws {
        // Seconds of CPU in a debug build: alone, so that timing tests beside it are not starved.
        try await exclusively {
            let text = String(repeating: "a", count: 1 << 20) + "b"
            for (source, expected) in [("(a+)+$", false), ("(a|aa)+$", false), ("(a*)*b", true), ("(.*a){20}", true), ("(a|a?)+c", false)] {
                let pattern = try Pattern(source)
                var steps = 0
                #expect(pattern.matches(text, steps: &steps) == expected)
                #expect(steps <= 2 * (text.utf8.count + 1) * pattern.programSize)
            }
        }
    }

    @Test func theDFAGoesOnWhenItsCacheFills() throws {
        // (a|b)*a(a|b){12}c needs a DFA state per window of 13 letters: thousands on random letters. Blocks of 19
        // letters with a "b" 13 before each "c" never match.
        let pattern = try Pattern("(?:a|b)*a(?:a|b){12}c")
        var generator = SplitMix(seed: 3)
        var text = ""
        for index in 0..<40_000 { text += index % 20 == 19 ? "c" : index % 20 == 6 || generator.next() % 2 == 0 ? "b" : "a" }
        let program = try PatternCompiler.compile(PatternParser.parse(pattern.source))
        #expect(pattern.firstMatch(in: text) == nil)
        #expect(pattern.firstMatch(in: text + "a" + String(repeating: "b", count: 12) + "c") != nil)
        UTF8Input.with(text) { input in
            var small = LazyDFA.Cache(program, memoryLimit: 16 << 10)
            var steps = 0
            #expect(!LazyDFA.isMatch(program, input, from: 0, cache: &small, steps: &steps))
            #expect(small.clears > 0)
            #expect(steps <= 2 * (input.count + 1) * program.instructions.count)
        }
        #expect(pattern.matches(text + "a" + String(repeating: "b", count: 12) + "c"))
    }

    @Test(arguments: Set(execCases.map(\.pattern)).sorted())
    func theDFAAndTheVMAgree(source: String) throws {
        let pattern = try Pattern(source)
        let program = pattern.engine.program
        var generator = SplitMix(seed: UInt64(source.utf8.count))
        let alphabet: [String] = ["a", "b", "c", " ", "1", "x", "\n", "\u{E9}", "\u{1F600}", "A", "-", "_"]
        for _ in 0..<20 {
            let text = (0..<Int(generator.next() % 40)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }.joined()
            let expected = pattern.firstMatch(in: text) != nil
            #expect(pattern.matches(text) == expected, "\(text.debugDescription)")
            // A cache too small for two states empties on every new one, and soon the search steps threads instead.
            UTF8Input.with(text) { input in
                var tiny = LazyDFA.Cache(program, memoryLimit: 0)
                var steps = 0
                #expect(LazyDFA.isMatch(program, input, from: 0, cache: &tiny, steps: &steps) == expected, "\(text.debugDescription)")
            }
        }
    }

    @Test func wordBoundariesStepAsBitSetsAsTheVMDecides() async throws {
        // Seconds of CPU in a debug build: alone, so that timing tests beside it are not starved.
        try await exclusively {
            // The bit-parallel stepper keeps a set of successors per context (word or not on either side); random
            // patterns made of word boundaries, classes and loops against random texts of word and other characters.
            var generator = SplitMix(seed: 11)
            let pieces = [#"\b"#, #"\B"#, "a", "b", " ", "[ab]", "[^a]", "_", "-", "a*", "[ab ]*", "(?:a|b )", "x?", "$", "^", #"\w+"#, #"\W"#, "."]
            let alphabet: [String] = ["a", "b", " ", "_", "-", "\u{E9}", "x"]
            for _ in 0..<300 {
                let source = (0..<(2 + Int(generator.next() % 8))).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
                guard let pattern = try? Pattern(source) else { continue }
                let program = pattern.engine.program
                let stepper = try #require(BitParallelNFA(program))
                for _ in 0..<10 {
                    let text = (0..<Int(generator.next() % 12)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }.joined()
                    let expected = pattern.firstMatch(in: text) != nil
                    UTF8Input.with(text) { input in
                        var steps = 0
                        let found = stepper.isMatch(input, from: 0, following: [program.start], atStart: true, steps: &steps)
                        #expect(found == expected, "/\(source)/ on \(text.debugDescription)")
                    }
                }
            }
        }
    }

    @Test func aWordBoundaryPatternThatDefeatsTheDFAIsSteppedAsBitSets() async throws {
        // Seconds of CPU in a debug build: alone, so that timing tests beside it are not starved.
        try await exclusively {
            // [ab]*a[ab]{495}\b|[ab]*b[ab]{494}\b: no DFA state is met twice on random a/b runs; stepping its 1,000 threads
            // one at a time was 30 times slower. As bit sets the work per byte is the program's size / 64 and its branch points.
            let source = #"[ab]*a[ab]{495}\b|[ab]*b[ab]{494}\b"#
            let pattern = try Pattern(source)
            var generator = SplitMix(seed: 5)
            var text = ""
            while text.utf8.count < 64 << 10 { text += String((0..<480).map { _ in generator.next() % 2 == 0 ? "a" : "b" }) + "c" }
            var steps = 0
            #expect(!pattern.matches(text, steps: &steps))
            #expect(steps <= text.utf8.count * (pattern.programSize / 64 + 400), "\(steps) steps")
        }
    }

    // MARK: Cache

    @Test func theCacheCompilesOnceAndRemembersFailures() throws {
        let source = "cache-\(UUID().uuidString)-(a+)+"
        let first = try PatternCache.pattern(source)
        let second = try PatternCache.pattern(source)
        #expect(first.engine === second.engine)
        let bad = "cache-\(UUID().uuidString)-(a"
        let failure = try #require(throws: PatternError.self) { try PatternCache.pattern(bad) }
        let failureAgain = try #require(throws: PatternError.self) { try PatternCache.pattern(bad) }
        #expect(failure == failureAgain)
        #expect(failure.kind == .syntax)
    }

    @Test func theCacheStaysBoundedAndKeepsWhatIsUsed() throws {
        let kept = "kept-\(UUID().uuidString)"
        let evicted = "evicted-\(UUID().uuidString)"
        let keptPattern = try PatternCache.pattern(kept)
        _ = try PatternCache.pattern(evicted)
        for index in 0..<(PatternCache.capacity + 10) {
            _ = try PatternCache.pattern("filler-\(index)-\(UUID().uuidString)")
            #expect(try PatternCache.pattern(kept).engine === keptPattern.engine)
            #expect(PatternCache.count <= PatternCache.capacity)
        }
        #expect(PatternCache.contains(kept))
        #expect(!PatternCache.contains(evicted))
    }

    @Test func patternsAreSafeToShareAcrossTasks() async throws {
        let pattern = try PatternCache.pattern(#"^(?<user>[a-z]+)@(?<host>[a-z]+\.[a-z]{2,})$"#)
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let text = index % 2 == 0 ? "user\(index % 26 == 0 ? "" : "x")@example.com" : "not an address \(index)"
                    let expected = index % 2 == 0
                    let viaCache = (try? PatternCache.pattern(pattern.source))?.matches(text) ?? !expected
                    return pattern.matches(text) == expected && viaCache == expected
                        && (pattern.firstMatch(in: text)?["host"] == (expected ? "example.com" : nil))
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 64)
        #expect(results.allSatisfy { $0 })
    }

    // MARK: Tables from JavaScript

    static let execCases: [ExecCase] = [
        ExecCase("abc", "xxabcxx", at: 2, ["abc"]),
        ExecCase("abc", "ab", nil),
        ExecCase("abc", "", nil),
        ExecCase("a|ab|abc", "abc", at: 0, ["a"]),
        ExecCase("(a|ab)(c|bcd)(d*)", "abcd", at: 0, ["abcd", "a", "bcd", ""]),
        ExecCase("(.*?) Get", "List Pets Get", at: 0, ["List Pets Get", "List Pets"]),
        ExecCase("(.*) Get", "List Pets Get Get", at: 0, ["List Pets Get Get", "List Pets Get"]),
        ExecCase(#"^(\w+)\s(\w+)$"#, "hello world", at: 0, ["hello world", "hello", "world"]),
        ExecCase(#"^(\w+)\s(\w+)$"#, "hello  world", nil),
        ExecCase("([a-z]+)([A-Z])", "listPetsByOwner", at: 0, ["listP", "list", "P"]),
        ExecCase(#"^(?:get|list|create)([A-Z]\w*)$"#, "getPets", at: 0, ["getPets", "Pets"]),
        ExecCase(#"^(?:get|list|create)([A-Z]\w*)$"#, "deleteX", nil),
        ExecCase("(a)|b", "b", at: 0, ["b", nil]),
        ExecCase("(a)|(b)|(c)", "c", at: 0, ["c", nil, nil, "c"]),
        ExecCase(#"(\w)(\w)?"#, "a", at: 0, ["a", "a", nil]),
        ExecCase("(?:(a)|b)+", "ab", at: 0, ["ab", nil]),
        ExecCase("(?:(a)|b)+", "ba", at: 0, ["ba", "a"]),
        ExecCase("(?:(a)|(b))+", "aba", at: 0, ["aba", "a", nil]),
        ExecCase("((a)|b)*", "ab", at: 0, ["ab", "b", nil]),
        ExecCase("((a)|b)*", "aba", at: 0, ["aba", "a", "a"]),
        ExecCase("(z)((a+)?(b+)?(c))*", "zaacbbbcac", at: 0, ["zaacbbbcac", "z", "ac", "a", nil, "c"]),
        ExecCase("((a)(b)?)+", "aba", at: 0, ["aba", "a", "a", nil]),
        ExecCase("(?:a(b)?)+", "aba", at: 0, ["aba", nil]),
        ExecCase("(?:(a)|b){2}", "ab", at: 0, ["ab", nil]),
        ExecCase("(.)*", "abc", at: 0, ["abc", "c"]),
        ExecCase("(?:(x)|y)*z", "xyz", at: 0, ["xyz", nil]),
        ExecCase("(?:(a){1,2}|b)+", "aaab", at: 0, ["aaab", nil]),
        ExecCase("(a*)*", "b", at: 0, ["", nil]),
        ExecCase("(a*)*", "aab", at: 0, ["aa", "aa"]),
        ExecCase("(a*)+", "b", at: 0, ["", ""]),
        ExecCase("(a*)+", "aab", at: 0, ["aa", "aa"]),
        ExecCase("(a*)?", "b", at: 0, ["", nil]),
        ExecCase("(a*?)?", "b", at: 0, ["", nil]),
        ExecCase("(a|)*b", "aab", at: 0, ["aab", "a"]),
        ExecCase("(?:a|())*b", "aab", at: 0, ["aab", nil]),
        ExecCase("(?:a|())*b", "b", at: 0, ["b", nil]),
        ExecCase("(?:(a)|b|())*c", "abc", at: 0, ["abc", nil, nil]),
        ExecCase("(?:(a)|b|())*c", "c", at: 0, ["c", nil, nil]),
        ExecCase("(()|a)+", "aa", at: 0, ["aa", "a", nil]),
        ExecCase("(a|())+", "aa", at: 0, ["aa", "a", nil]),
        ExecCase(#"(\w*?)+"#, "bb", at: 0, ["bb", "b"]),
        ExecCase(#"(\w*?)+"#, " bb", at: 0, ["", ""]),
        ExecCase("((a*)*)*b", "aab", at: 0, ["aab", "aa", "aa"]),
        ExecCase("(a{0,2})*", "aaaaa", at: 0, ["aaaaa", "a"]),
        ExecCase("(a{0,2}){2,3}", "aaaaa", at: 0, ["aaaaa", "a"]),
        ExecCase("(?:x(a*)){2}", "xaax", at: 0, ["xaax", ""]),
        ExecCase("(?:(a*)x){2}", "aaxx", at: 0, ["aaxx", ""]),
        ExecCase(#"(\s*)(?:(\w+)\s*)*$"#, "  foo bar ", at: 0, ["  foo bar ", "  ", "bar"]),
        ExecCase("(a?)*?b", "aab", at: 0, ["aab", "a"]),
        ExecCase("(a??)(a*)", "aa", at: 0, ["aa", "", "aa"]),
        ExecCase("(a*?)(a*)", "aa", at: 0, ["aa", "", "aa"]),
        ExecCase("(a+?)(a*?)$", "aaa", at: 0, ["aaa", "a", "aa"]),
        ExecCase("(?:a+|b+)*?c", "aabbc", at: 0, ["aabbc"]),
        ExecCase("a{2,3}?", "aaaa", at: 0, ["aa"]),
        ExecCase("(a){2,}?", "aaaa", at: 0, ["aa", "a"]),
        ExecCase("x*?", "xx", at: 0, [""]),
        ExecCase("a{2,3}", "aaaa", at: 0, ["aaa"]),
        ExecCase("a{2,3}", "a", nil),
        ExecCase("a{2,}", "aaaaa", at: 0, ["aaaaa"]),
        ExecCase("a{0}", "aaa", at: 0, [""]),
        ExecCase("(a){0}", "aaa", at: 0, ["", nil]),
        ExecCase("(?:a|b)*a(?:a|b){3}", "babbb", at: 0, ["babbb"]),
        ExecCase("(?:a|b)*a(?:a|b){3}", "bbbabb", nil),
        ExecCase(#"\bfoo\b"#, "a foo b", at: 2, ["foo"]),
        ExecCase(#"\bfoo\b"#, "afoo", nil),
        ExecCase(#"\b\w+\b"#, "hi there, you", at: 0, ["hi"]),
        ExecCase("^$", "", at: 0, [""]),
        ExecCase("^$", "a", nil),
        ExecCase("a$", "aa", at: 1, ["a"]),
        ExecCase("a$", "ab", nil),
        ExecCase("^a", "ba", nil),
        ExecCase("a|^b", "cb", nil),
        ExecCase("a|^b", "bc", at: 0, ["b"]),
        ExecCase("(?:^|x)a", "xa", at: 0, ["xa"]),
        ExecCase("(?:^|x)a", "ba", nil),
        ExecCase("(?:a$|b)+", "bba", at: 0, ["bba"]),
        ExecCase(#"(?:\b|a)+"#, "ab", at: 0, ["a"]),
        ExecCase("(?:$|a)+", "aa", at: 0, ["aa"]),
        ExecCase("(?:^)*a", "a", at: 0, ["a"]),
        ExecCase(#"c{0,1}\Ba"#, "1c 1abab1", at: 4, ["a"]),
        ExecCase(#"[\u{1F600}-\u{1F602}]??\Bb"#, "ca\u{1F600}A1bA", at: 5, ["b"]),
        ExecCase("(a+)+$", "aaaaaaaaaaaaaaaab", nil),
        ExecCase("(a+)+$", "aaaa", at: 0, ["aaaa", "aaaa"]),
        ExecCase("(a|aa)+$", "aaaaaaaaaaaaaaaab", nil),
        ExecCase("^(a|aa)+$", "aaaaa", at: 0, ["aaaaa", "a"]),
        ExecCase("(a|a?)+b", "aaaaaaaaaaaaaaaab", at: 0, ["aaaaaaaaaaaaaaaab", "a"]),
        ExecCase("(a|a?)+b", "aaaaaaaaaaaaaaaa", nil),
        ExecCase("(.*a){5}", "aaaaaaaa", at: 0, ["aaaaaaaa", "a"]),
        ExecCase("(.*a){5}", "aaaa", nil),
        ExecCase("(x+x+)+y", "xxxxxxxxxxxxxxxx", nil),
        ExecCase("(x+x+)+y", "xxxy", at: 0, ["xxxy", "xxx"]),
        ExecCase(#"^(\w+\s?)*$"#, "hello world foo", at: 0, ["hello world foo", "foo"]),
        ExecCase(#"^(\w+\s?)*$"#, "a a a a a a a a a a a a !", nil),
        ExecCase("(a*)*b", "aaaaaaaaaaaaaaaab", at: 0, ["aaaaaaaaaaaaaaaab", "aaaaaaaaaaaaaaaa"]),
        ExecCase("(a*)*b", "aaaaaaaaaaaaaaaa", nil),
        ExecCase("([a-zA-Z]+)*$", "abcDEF", at: 0, ["abcDEF", "abcDEF"]),
        ExecCase("([a-zA-Z]+)*$", "ab12cd", at: 4, ["cd", "cd"]),
        ExecCase("(?:a|b)*a(?:a|b){20}", "ababababababababababababababab", at: 0, ["ababababababababababababababa"]),
        ExecCase("(?:a|b)*a(?:a|b){20}", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", nil),
        ExecCase(".", "\n", nil),
        ExecCase(".", "\r", nil),
        ExecCase(".", "\u{2028}", nil),
        ExecCase(".", "\u{1F600}", at: 0, ["\u{1F600}"]),
        ExecCase(".+", "ab\ncd", at: 0, ["ab"]),
        ExecCase("[^a]", "a\u{1F600}", at: 1, ["\u{1F600}"]),
        ExecCase(#"[\u{1F600}-\u{1F64F}]+"#, "hi \u{1F600}\u{1F601}!", at: 3, ["\u{1F600}\u{1F601}"]),
        ExecCase(#"\u{1F600}"#, "x\u{1F600}", at: 1, ["\u{1F600}"]),
        ExecCase(#"\uD83D\uDE00"#, "x\u{1F600}", at: 1, ["\u{1F600}"]),
        ExecCase(#"\d+"#, "abc123def", at: 3, ["123"]),
        ExecCase(#"\d+"#, "\u{663}", nil),
        ExecCase(#"\w+"#, "h\u{E9}llo", at: 0, ["h"]),
        ExecCase(#"\W+"#, "h\u{E9}llo", at: 1, ["\u{E9}"]),
        ExecCase(#"\s+"#, "a \t\n\u{A0}\u{2003}\u{FEFF}b", at: 1, [" \t\n\u{A0}\u{2003}\u{FEFF}"]),
        ExecCase(#"[\s\S]+"#, "a\nb", at: 0, ["a\nb"]),
        ExecCase(#"[\d\-x]+"#, "1-2x", at: 0, ["1-2x"]),
        ExecCase("[a-]+", "a-a-b", at: 0, ["a-a-"]),
        ExecCase("[a-c-e]+", "abc-e d", at: 0, ["abc-e"]),
        ExecCase(#"[\w-]+"#, "foo-bar baz", at: 0, ["foo-bar"]),
        ExecCase("[]", "abc", nil),
        ExecCase("[^]*", "a\nb", at: 0, ["a\nb"]),
        ExecCase(#"[\b]"#, "a\u{8}b", at: 1, ["\u{8}"]),
        ExecCase(#"\cJ"#, "a\nb", at: 1, ["\n"]),
        ExecCase(#"\0"#, "a\u{0}b", at: 1, ["\u{0}"]),
        ExecCase(#"\x41\u0042\u{43}"#, "xABC", at: 1, ["ABC"]),
        ExecCase(#"\t\n\v\f\r"#, "\t\n\u{B}\u{C}\r", at: 0, ["\t\n\u{B}\u{C}\r"]),
        ExecCase(#"\/\.\*\+\?\(\)\[\]\{\}\|\^\$\\"#, #"/.*+?()[]{}|^$\"#, at: 0, [#"/.*+?()[]{}|^$\"#]),
        ExecCase(#"\p{L}+"#, "h\u{E9}llo w\u{F6}rld 123", at: 0, ["h\u{E9}llo"]),
        ExecCase(#"\p{L}+"#, "\u{65E5}\u{672C}\u{8A9E}", at: 0, ["\u{65E5}\u{672C}\u{8A9E}"]),
        ExecCase(#"\p{Lu}"#, "abCd", at: 2, ["C"]),
        ExecCase(#"\p{Letter}+"#, "abc1", at: 0, ["abc"]),
        ExecCase(#"\p{gc=Nd}+"#, "x123", at: 1, ["123"]),
        ExecCase(#"\p{General_Category=Decimal_Number}+"#, "x123", at: 1, ["123"]),
        ExecCase(#"\p{N}+"#, "x\u{BD}3", at: 1, ["\u{BD}3"]),
        ExecCase(#"\p{P}+"#, "a,.!b", at: 1, [",.!"]),
        ExecCase(#"\p{S}+"#, "a+$b", at: 1, ["+$"]),
        ExecCase(#"\p{Z}+"#, "a \u{2003}b", at: 1, [" \u{2003}"]),
        ExecCase(#"\P{L}+"#, "abc123def", at: 3, ["123"]),
        ExecCase(#"[\p{L}\d]+"#, "ab1-", at: 0, ["ab1"]),
        ExecCase(#"[^\p{L}]+"#, "ab12-c", at: 2, ["12-"]),
        ExecCase(#"\p{Alphabetic}+"#, "ab1", at: 0, ["ab"]),
        ExecCase(#"\p{White_Space}+"#, "a \tb", at: 1, [" \t"]),
        ExecCase(#"\p{ASCII}+"#, "ab\u{E9}", at: 0, ["ab"]),
        ExecCase(#"\p{Any}+"#, "ab\u{E9}", at: 0, ["ab\u{E9}"]),
        ExecCase(#"\p{Emoji_Presentation}"#, "a\u{1F600}", at: 1, ["\u{1F600}"]),
        ExecCase(#"(?<year>\d{4})-(?<month>\d{2})"#, "on 2024-05-01", at: 3, ["2024-05", "2024", "05"]),
        ExecCase("(?<a>x)|(?<b>y)", "y", at: 0, ["y", nil, "y"]),
        ExecCase(#"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$"#, "john.doe@example.com", at: 0, ["john.doe@example.com"]),
        ExecCase(#"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$"#, "bad@", nil),
        ExecCase(
            "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
            "123e4567-e89b-12d3-a456-426614174000", at: 0, ["123e4567-e89b-12d3-a456-426614174000"]),
        ExecCase("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", "123e4567-e89b-12d3-a456-42661417400", nil),
        ExecCase(
            #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$"#,
            "2024-05-01T10:00:00.123+02:00", at: 0, ["2024-05-01T10:00:00.123+02:00"]),
        ExecCase(#"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$"#, "2024-05-01", nil),
        ExecCase(
            #"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"#,
            "1.2.3-alpha.1", at: 0, ["1.2.3-alpha.1", "1", "2", "3", "alpha.1"]),
        ExecCase(#"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"#, "01.2.3", nil),
    ]

    static let globalCases: [GlobalCase] = [
        GlobalCase("a*", "baaac", [(0, ""), (1, "aaa"), (4, ""), (5, "")]),
        GlobalCase("", "ab\u{1F600}", [(0, ""), (1, ""), (2, ""), (3, "")]),
        GlobalCase(#"\b"#, "ab cd", [(0, ""), (2, ""), (3, ""), (5, "")]),
        GlobalCase(#"\B"#, "ab cd", [(1, ""), (4, "")]),
        GlobalCase("$", "abc", [(3, "")]),
        GlobalCase("x*", "xxaxx", [(0, "xx"), (2, ""), (3, "xx"), (5, "")]),
        GlobalCase("(?:)", "", [(0, "")]),
        GlobalCase(#"\w+"#, "hi there, you", [(0, "hi"), (3, "there"), (10, "you")]),
        GlobalCase("([a-z]+)([A-Z])", "listPetsByOwner", [(0, "listP"), (5, "etsB"), (9, "yO")]),
        GlobalCase(#"(?<w>\p{L}+)"#, "h\u{E9}llo w\u{F6}rld", [(0, "h\u{E9}llo"), (6, "w\u{F6}rld")]),
        GlobalCase("a|", "baab", [(0, ""), (1, "a"), (2, "a"), (3, ""), (4, "")]),
        GlobalCase(#"(\w*?)+"#, " bb", [(0, ""), (1, "bb"), (3, "")]),
        GlobalCase(#"c{0,1}\Ba"#, "1c 1abab1", [(4, "a"), (6, "a")]),
        GlobalCase(#"\d{2}"#, "12345", [(0, "12"), (2, "34")]),
    ]
}

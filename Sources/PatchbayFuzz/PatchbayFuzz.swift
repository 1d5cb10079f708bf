#if !PATCHBAY_LIBFUZZER
    import Foundation

    /// `PatchbayFuzz <target> <file|dir>...`: replays inputs through a fuzz target without libFuzzer (built with
    /// `-D PATCHBAY_LIBFUZZER`, the module is libFuzzer's instead: see `LibFuzzerEntry.swift`).
    @main
    struct PatchbayFuzz {
        static func main() {
            exit(CorpusReplay.run(Array(CommandLine.arguments.dropFirst())))
        }
    }
#endif

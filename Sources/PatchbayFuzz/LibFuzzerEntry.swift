// Built by `scripts/fuzz` with `-sanitize=fuzzer -parse-as-library -D PATCHBAY_LIBFUZZER`: libFuzzer runs the
// target named by `PATCHBAY_FUZZ_TARGET`.
#if PATCHBAY_LIBFUZZER
    import Foundation
    import PatchbayFuzzTargets

    /// The target named by `PATCHBAY_FUZZ_TARGET`, checked by `LLVMFuzzerInitialize` before the first input.
    let selectedTarget: FuzzTargets.Target? = ProcessInfo.processInfo.environment["PATCHBAY_FUZZ_TARGET"].flatMap { FuzzTargets.all[$0] }

    @_cdecl("LLVMFuzzerInitialize")
    public func fuzzerInitialize(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
    ) -> CInt {
        guard selectedTarget != nil else {
            let name = ProcessInfo.processInfo.environment["PATCHBAY_FUZZ_TARGET"] ?? "(unset)"
            let message = "PATCHBAY_FUZZ_TARGET=\(name) names no target; the targets are \(FuzzTargets.names.joined(separator: ", "))\n"
            FileHandle.standardError.write(Data(message.utf8))
            exit(2)
        }
        return 0
    }

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        guard let target = selectedTarget else { return 0 }
        target(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }

    /// libFuzzer's driver (`int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*)(const uint8_t *, size_t))`).
    /// Pointers and an `Int32` result pass the same way under Swift's and C's conventions on the platforms we fuzz on.
    @_silgen_name("LLVMFuzzerRunDriver")
    func runLibFuzzerDriver(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// SwiftPM links an executable target with `main` defined as `<module>_main` (so that tests can link the module),
    /// which leaves libFuzzer's own `main` out of the link; this is that entry point, and it hands over to libFuzzer.
    /// (Linked any other way, libFuzzer's `main` calls `LLVMFuzzerTestOneInput` itself and this goes unused.)
    @_cdecl("PatchbayFuzz_main")
    public func patchbayFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
        var count = argc
        var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
        return runLibFuzzerDriver(&count, &arguments) { data, size in fuzzerTestOneInput(data, size) }
    }
#endif

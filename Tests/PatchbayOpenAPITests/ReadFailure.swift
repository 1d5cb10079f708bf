@testable import PatchbayOpenAPI

/// The error a read raises, or nil when it reads.
func readFailure(_ read: () throws(SourceReadError) -> Void) -> SourceReadError? {
    do {
        try read()
        return nil
    } catch {
        return error
    }
}

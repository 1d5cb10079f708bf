extension Result where Failure == any Error {
    /// What `body` returned or threw, kept to be looked at later (`Result.init(catching:)` takes no async body).
    public static func of(_ body: () async throws -> Success) async -> Result {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }
}

/// Checks on webhook options that need no I/O. Each returns the problems found, with pointers.
public enum WebhookRules {
    public static let maxEventsPerRequestRange = 1...100
    /// `rateLimit`: deliveries a second.
    public static let rateLimitRange = 1...10_000
    public static let maxHeaders = 20
    public static let maxEventTypes = 200
    /// Headers the sender owns: overriding them would break framing, signing or authorization.
    public static let reservedHeaders: Set<String> = [
        "host", "content-length", "content-type", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer",
        "proxy-authorization", "authorization", "webhook-id", "webhook-timestamp", "webhook-signature", "expect",
    ]

    public static func headerProblems(_ headers: [String: String], at pointer: String = "/headers") -> [FieldError] {
        headerProblems(headers, at: pointer, reserved: reservedHeaders, reason: "is set by Patchbay and cannot be overridden")
    }

    /// Custom headers: at most 20, valid names, none of `reserved` (lower-case), values without control characters.
    static func headerProblems(_ headers: [String: String], at pointer: String, reserved: Set<String>, reason: String) -> [FieldError] {
        var problems: [FieldError] = []
        if headers.count > maxHeaders { problems.append(FieldError(pointer: pointer, "must have at most \(maxHeaders) headers")) }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            let here = pointer + "/" + JSONPointer.escape(name)
            if name.count > 100 || !APISettingsRules.isToken(name) {
                problems.append(FieldError(pointer: here, "is not a valid header name"))
            } else if reserved.contains(name.lowercased()) {
                problems.append(FieldError(pointer: here, reason))
            }
            if value.utf8.count > 4096 || value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }) {
                problems.append(FieldError(pointer: here, "must be at most 4096 bytes without control characters"))
            }
        }
        return problems
    }

    public static func authorizationTokenProblem(_ token: String, at pointer: String = "/authorization/token") -> FieldError? {
        if token.isEmpty || token.utf8.count > 4096 { return FieldError(pointer: pointer, "must be 1 to 4096 bytes") }
        if token.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value >= 0x7F }) {
            return FieldError(pointer: pointer, "must be printable ASCII without spaces")
        }
        return nil
    }
}

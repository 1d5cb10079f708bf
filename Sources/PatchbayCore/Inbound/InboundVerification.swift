import Crypto
import Foundation

/// How an inbound endpoint checks that a request came from its provider. Every check runs on the raw body bytes
/// and compares in constant time; timestamped schemes (Standard Webhooks, Stripe, Slack) refuse requests more than
/// five minutes from now.
public struct InboundVerification: Sendable, Equatable, Codable {
    public enum Scheme: String, Sendable, Codable, CaseIterable {
        case none
        case standardWebhooks = "standard-webhooks"
        case github, stripe, slack
        case hmacSHA256 = "hmac-sha256"
        case basic, header
    }

    public enum Encoding: String, Sendable, Codable, CaseIterable { case hex, base64 }

    public var scheme: Scheme
    public var secret: String?
    /// `hmac-sha256`: the header carrying the signature; `header`: the header that must equal the secret.
    public var header: String?
    public var encoding: Encoding?
    public var username: String?
    public var password: String?

    public init(
        scheme: Scheme, secret: String? = nil, header: String? = nil, encoding: Encoding? = nil, username: String? = nil, password: String? = nil
    ) {
        self.scheme = scheme
        self.secret = secret
        self.header = header
        self.encoding = encoding
        self.username = username
        self.password = password
    }

    public static let toleranceSeconds: Int64 = 300

    /// Why a request was refused (stored as a counter, returned to nobody but the logs).
    public enum Refusal: String, Sendable, Equatable {
        case missingHeader = "missing header"
        case malformedHeader = "malformed header"
        case staleTimestamp = "timestamp outside the tolerance"
        case badSignature = "signature does not match"
        case badCredentials = "credentials do not match"
    }

    /// Checks a request: `headers` by lower-cased name, `body` as received, `now` in seconds since 1970.
    public func verify(headers: [String: String], body: [UInt8], now: Int64) -> Refusal? {
        switch scheme {
        case .none:
            return nil
        case .standardWebhooks:
            guard let id = headers["webhook-id"], let stamp = headers["webhook-timestamp"], let signature = headers["webhook-signature"] else {
                return .missingHeader
            }
            guard let timestamp = Int64(stamp) else { return .malformedHeader }
            guard now.absoluteDifference(timestamp) <= Self.toleranceSeconds else { return .staleTimestamp }
            guard let secret = secret.flatMap(WebhookSecret.init) else { return .badSignature }
            return StandardWebhooks.verify(id: id, timestamp: timestamp, body: body, header: signature, secrets: [secret], now: now)
                ? nil : .badSignature
        case .github:
            guard let header = headers["x-hub-signature-256"] else { return .missingHeader }
            guard header.hasPrefix("sha256=") else { return .malformedHeader }
            return matches(String(header.dropFirst(7)), Self.hmacHex(body, key: secret)) ? nil : .badSignature
        case .stripe:
            guard let header = headers["stripe-signature"] else { return .missingHeader }
            var timestamp: Int64?
            var signatures: [String] = []
            for part in header.split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
                guard pair.count == 2 else { continue }
                if pair[0] == "t" { timestamp = Int64(pair[1]) } else if pair[0] == "v1" { signatures.append(pair[1]) }
            }
            guard let timestamp, !signatures.isEmpty else { return .malformedHeader }
            guard now.absoluteDifference(timestamp) <= Self.toleranceSeconds else { return .staleTimestamp }
            let expected = Self.hmacHex(Array("\(timestamp).".utf8) + body, key: secret)
            return signatures.contains { matches($0, expected) } ? nil : .badSignature
        case .slack:
            guard let stamp = headers["x-slack-request-timestamp"], let signature = headers["x-slack-signature"] else { return .missingHeader }
            guard let timestamp = Int64(stamp), signature.hasPrefix("v0=") else { return .malformedHeader }
            guard now.absoluteDifference(timestamp) <= Self.toleranceSeconds else { return .staleTimestamp }
            let expected = Self.hmacHex(Array("v0:\(timestamp):".utf8) + body, key: secret)
            return matches(String(signature.dropFirst(3)), expected) ? nil : .badSignature
        case .hmacSHA256:
            guard let name = header?.lowercased(), let value = headers[name] else { return .missingHeader }
            let code = Self.hmac(body, key: secret)
            // A `sha256=` prefix, as several providers send, is accepted.
            let offered = value.hasPrefix("sha256=") ? String(value.dropFirst(7)) : value
            switch encoding ?? .hex {
            case .hex: return matches(offered.lowercased(), TokenSecret.hex(code)) ? nil : .badSignature
            case .base64: return matches(offered, Data(code).base64EncodedString()) ? nil : .badSignature
            }
        case .basic:
            guard let value = headers["authorization"] else { return .missingHeader }
            guard value.lowercased().hasPrefix("basic "), let decoded = Data(base64Encoded: String(value.dropFirst(6)).trimmingWhitespace()) else {
                return .malformedHeader
            }
            let expected = Array(((username ?? "") + ":" + (password ?? "")).utf8)
            return TokenSecret.constantTimeEquals(Array(decoded), expected) ? nil : .badCredentials
        case .header:
            guard let name = header?.lowercased(), let value = headers[name] else { return .missingHeader }
            return matches(value, secret ?? "") && !(secret ?? "").isEmpty ? nil : .badCredentials
        }
    }

    private func matches(_ offered: String, _ expected: String) -> Bool {
        TokenSecret.constantTimeEquals(Array(offered.utf8), Array(expected.utf8))
    }

    static func hmac(_ message: [UInt8], key: String?) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array((key ?? "").utf8))))
    }

    static func hmacHex(_ message: [UInt8], key: String?) -> String { TokenSecret.hex(hmac(message, key: key)) }

    /// What each scheme needs, as problems below `base` (`/verification`).
    public func problems(at base: String = "/verification") -> [FieldError] {
        var problems: [FieldError] = []
        func require(_ field: String, _ value: String?) {
            if (value ?? "").isEmpty { problems.append(FieldError(pointer: "\(base)/\(field)", "is required for \(scheme.rawValue)")) }
        }
        switch scheme {
        case .none: break
        case .standardWebhooks:
            if secret.flatMap(WebhookSecret.init) == nil {
                problems.append(FieldError(pointer: "\(base)/secret", "must be a Standard Webhooks secret (whsec_ and the base64 of 24–64 bytes)"))
            }
        case .github, .stripe, .slack: require("secret", secret)
        case .hmacSHA256:
            require("secret", secret)
            require("header", header)
        case .basic:
            require("username", username)
            require("password", password)
            if let username, username.contains(":") { problems.append(FieldError(pointer: "\(base)/username", "must not contain a colon")) }
        case .header:
            require("header", header)
            require("secret", secret)
        }
        if let header, !APISettingsRules.isToken(header) { problems.append(FieldError(pointer: "\(base)/header", "is not a valid header name")) }
        return problems
    }
}

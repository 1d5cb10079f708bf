/// A custom integration: an app or bot with its own integration user.
public struct Integration: Sendable, Equatable {
    /// `draft` until finalized; then `published` or `hidden`, and never `draft` again.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case draft
        case published
        case hidden
    }

    public var id: String
    public var organizationId: String
    public var name: String
    public var description: String
    public var iconSvg: String?
    public var status: Status
    public var userId: String
    public var userKind: User.Kind
    public var finalizedAt: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64
    /// For an endpoint integration (Turn-style): the single URL it is called at, kept as the webhook that carries
    /// its events (so retries, history and secret rotation are the webhooks'); nil for other integrations.
    public var endpoint: Endpoint?
    /// What the integration supports (Ryver's "features"); using anything else is refused with 409.
    public var features: [Feature] = Feature.defaults

    /// A capability an integration declares before it is used.
    public enum Feature: String, Sendable, Codable, CaseIterable {
        case outboundWebhooks
        case inboundWebhooks
        case slashCommands
        case actions

        /// What an integration created without `features` declares: everything integrations could do before features
        /// existed. Slash commands are declared on purpose, since they put the integration in front of people.
        public static let defaults: [Feature] = [.outboundWebhooks, .inboundWebhooks, .actions]
    }

    /// Fails with 409 naming the feature when the integration does not declare it.
    public func require(_ feature: Feature) throws {
        guard features.contains(feature) else {
            throw PatchbayError(
                .conflict,
                "Integration \(id) does not declare the \(feature.rawValue) feature; add it to its features (PATCH …/integrations/\(id)) first.")
        }
    }

    public struct Endpoint: Sendable, Equatable {
        public var webhookId: String
        public var url: String
        public var authorizationScheme: String?

        public init(webhookId: String, url: String, authorizationScheme: String?) {
            self.webhookId = webhookId
            self.url = url
            self.authorizationScheme = authorizationScheme
        }
    }

    public init(
        id: String,
        organizationId: String,
        name: String,
        description: String,
        iconSvg: String?,
        status: Status,
        userId: String,
        userKind: User.Kind,
        finalizedAt: Int64?,
        createdAt: Int64,
        updatedAt: Int64,
        endpoint: Endpoint? = nil
    ) {
        self.id = id
        self.organizationId = organizationId
        self.name = name
        self.description = description
        self.iconSvg = iconSvg
        self.status = status
        self.userId = userId
        self.userKind = userKind
        self.finalizedAt = finalizedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.endpoint = endpoint
    }

    /// The status change `to` from the current status, or the reason it is refused.
    public func transitionError(to next: Status) -> String? {
        switch (status, next) {
        case (_, .draft) where status != .draft: "A finalized integration never returns to draft."
        case (.draft, .published), (.draft, .hidden): "Finalize the integration (POST …/finalize) before publishing or hiding it."
        default: nil
        }
    }
}

extension Integration: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, organizationId, name, description, iconSvg, status, bot, user, features, finalizedAt, createdAt, updatedAt, endpoint
    }

    struct EndpointView: Encodable {
        struct AuthorizationView: Encodable {
            var scheme: String
            var token = "****"
        }

        var url: String
        var webhookId: String
        var authorization: AuthorizationView?

        enum CodingKeys: CodingKey { case url, webhookId, authorization }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(url, forKey: .url)
            try container.encode(webhookId, forKey: .webhookId)
            try container.encode(authorization, forKey: .authorization)
        }
    }

    struct UserReference: Encodable {
        var id: String
        var kind: User.Kind
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(organizationId, forKey: .organizationId)
        try container.encode(name, forKey: .name)
        try container.encode(description, forKey: .description)
        try container.encode(iconSvg, forKey: .iconSvg)
        try container.encode(status, forKey: .status)
        try container.encode(userKind == .bot, forKey: .bot)
        try container.encode(UserReference(id: userId, kind: userKind), forKey: .user)
        try container.encode(features, forKey: .features)
        try container.encode(finalizedAt.map(Timestamp.format), forKey: .finalizedAt)
        try container.encode(Timestamp.format(createdAt), forKey: .createdAt)
        try container.encode(Timestamp.format(updatedAt), forKey: .updatedAt)
        try container.encode(
            endpoint.map { endpoint in
                EndpointView(
                    url: endpoint.url, webhookId: endpoint.webhookId,
                    authorization: endpoint.authorizationScheme.map { EndpointView.AuthorizationView(scheme: $0) })
            },
            forKey: .endpoint)
    }
}

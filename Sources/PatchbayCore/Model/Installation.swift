/// An integration installed into an organization (its own or a descendant). The integration's webhooks receive
/// the events of every organization it is installed in; its actions run there with the installation's credentials.
public struct Installation: Sendable, Equatable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case ready
        case authorizationRequired = "authorization_required"
        case reauthorizationRequired = "reauthorization_required"
    }

    public var id: String
    public var integrationId: String
    public var organizationId: String
    public var state: State
    /// Why the installation needs (re)authorization, e.g. the provider's `invalid_grant` description.
    public var stateReason: String?
    /// When the current OAuth access token expires (not a secret; shown to help operators).
    public var tokenExpiresAt: Int64?
    public var mapping: OrganizationMapping.Settings?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: String, integrationId: String, organizationId: String, state: State, stateReason: String? = nil, tokenExpiresAt: Int64? = nil,
        mapping: OrganizationMapping.Settings? = nil, createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.integrationId = integrationId
        self.organizationId = organizationId
        self.state = state
        self.stateReason = stateReason
        self.tokenExpiresAt = tokenExpiresAt
        self.mapping = mapping
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension Installation: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, integrationId, organizationId, state, stateReason, tokenExpiresAt, mapping, createdAt, updatedAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(integrationId, forKey: .integrationId)
        try container.encode(organizationId, forKey: .organizationId)
        try container.encode(state, forKey: .state)
        try container.encode(stateReason, forKey: .stateReason)
        try container.encode(tokenExpiresAt.map(Timestamp.format), forKey: .tokenExpiresAt)
        try container.encode(mapping, forKey: .mapping)
        try container.encode(Timestamp.format(createdAt), forKey: .createdAt)
        try container.encode(Timestamp.format(updatedAt), forKey: .updatedAt)
    }
}

/// Rewst's organization mapping: an installation in a managing organization lists the provider's companies
/// (tenants, customers) through one of its actions, and each child organization is mapped to one of them. A run for
/// a child organization then receives that company's id as a parameter.
public enum OrganizationMapping {
    public struct Settings: Sendable, Equatable, Codable {
        /// The paginated action that lists the provider's companies.
        public var actionId: String
        /// Dotted paths into each listed item.
        public var idKey: String
        public var nameKey: String
        /// The action parameter that receives the mapped id when a run names a child organization.
        public var parameter: String

        public init(actionId: String, idKey: String, nameKey: String, parameter: String) {
            self.actionId = actionId
            self.idKey = idKey
            self.nameKey = nameKey
            self.parameter = parameter
        }
    }

    public struct Entry: Sendable, Equatable, Codable {
        public var organizationId: String
        public var externalId: String
        public var externalName: String?

        public init(organizationId: String, externalId: String, externalName: String?) {
            self.organizationId = organizationId
            self.externalId = externalId
            self.externalName = externalName
        }
    }

    /// A listed company: its id and name as text.
    public struct Candidate: Sendable, Equatable, Codable {
        public var externalId: String
        public var externalName: String

        public init(externalId: String, externalName: String) {
            self.externalId = externalId
            self.externalName = externalName
        }
    }

    public struct Suggestion: Sendable, Equatable, Codable {
        public var organizationId: String
        public var organizationName: String
        public var externalId: String?
        public var externalName: String?
        /// 1 for an exact match after normalization, less for a partial one; nil without a candidate.
        public var score: Double?
    }

    /// Matches each organization to the best candidate by name: equal after case folding and dropping punctuation
    /// and company suffixes (Inc, LLC, Ltd, GmbH…) scores 1; otherwise word overlap (Jaccard) above 0.5. Each
    /// candidate is suggested for one organization at most, best scores first.
    public static func suggest(organizations: [(id: String, name: String)], candidates: [Candidate]) -> [Suggestion] {
        let candidateWords = candidates.map { words($0.externalName) }
        var scored: [(organization: Int, candidate: Int, score: Double)] = []
        for (organizationIndex, organization) in organizations.enumerated() {
            let mine = words(organization.name)
            guard !mine.isEmpty else { continue }
            for (candidateIndex, theirs) in candidateWords.enumerated() where !theirs.isEmpty {
                let score: Double
                if mine == theirs {
                    score = 1
                } else {
                    let overlap = Double(Set(mine).intersection(theirs).count) / Double(Set(mine).union(theirs).count)
                    guard overlap > 0.5 else { continue }
                    score = overlap
                }
                scored.append((organizationIndex, candidateIndex, score))
            }
        }
        scored.sort { ($0.score, -$0.organization, -$0.candidate) > ($1.score, -$1.organization, -$1.candidate) }
        var takenOrganizations = Set<Int>()
        var takenCandidates = Set<Int>()
        var chosen: [Int: (Int, Double)] = [:]
        for entry in scored where !takenOrganizations.contains(entry.organization) && !takenCandidates.contains(entry.candidate) {
            takenOrganizations.insert(entry.organization)
            takenCandidates.insert(entry.candidate)
            chosen[entry.organization] = (entry.candidate, entry.score)
        }
        return organizations.enumerated().map { index, organization in
            let match = chosen[index]
            return Suggestion(
                organizationId: organization.id, organizationName: organization.name, externalId: match.map { candidates[$0.0].externalId },
                externalName: match.map { candidates[$0.0].externalName }, score: match?.1)
        }
    }

    static let suffixes: Set<String> = ["inc", "llc", "ltd", "limited", "gmbh", "co", "corp", "corporation", "company", "plc", "sa", "ag", "bv"]

    static func words(_ name: String) -> [String] {
        let folded = name.lowercased().unicodeScalars.map { $0.properties.isAlphabetic || $0.properties.numericType != nil ? Character($0) : " " }
        let words = String(folded).split(separator: " ").map(String.init)
        let trimmed = words.filter { !suffixes.contains($0) }
        return (trimmed.isEmpty ? words : trimmed).sorted()
    }
}

import Foundation
import Logging
import PatchbayCore
import PatchbayDelivery
import PatchbayStorage

/// What one run asks for.
public struct ActionRunRequest: Sendable {
    public var input: ActionInput
    public var paginate: Bool
    public var pageLimit: Int?
    /// Records each page's request, items and next request (the console's pagination preview).
    public var trace: Bool

    public init(input: ActionInput, paginate: Bool = false, pageLimit: Int? = nil, trace: Bool = false) {
        self.input = input
        self.paginate = paginate
        self.pageLimit = pageLimit
        self.trace = trace
    }
}

/// What a run did: the API's status, how many pages it read, the collected results (when the page shape is known)
/// and the last response.
public struct ActionRunResult: Sendable, Encodable {
    public struct Response: Sendable, Encodable {
        public var status: Int
        public var headers: [String: String]
        /// The body as JSON when it parses, else as text.
        public var body: JSONValue
    }

    /// One page of a traced run: where it was fetched (without credentials), what came back and where next.
    public struct Page: Sendable, Encodable {
        public var method: String
        public var url: String
        public var status: Int
        /// The items the pagination settings found in this page (nil when the page's shape is unknown).
        public var items: [JSONValue]?
        /// The next page's URL, as the pagination settings worked it out.
        public var next: String?
    }

    public var status: Int
    public var pages: Int
    public var results: [JSONValue]?
    public var response: Response
    /// Each page, when the run was traced.
    public var trace: [Page]?
    /// Why pagination ended (nil for a single request).
    public var stopReason: String?
    /// Requests sent, retries included.
    public var requests: Int
}

/// Runs actions against the real API: validates the input against the action, builds the request, applies the
/// installation's auth (refreshing OAuth tokens as needed), sends it through the guarded client with retries, and
/// follows pagination when asked.
public struct ActionRunner: Sendable {
    let caller: RetryingCaller
    let tokens: TokenManager
    let configuration: ConnectorConfiguration

    public init(client: GuardedHTTPClient, tokens: TokenManager, configuration: ConnectorConfiguration) {
        self.caller = RetryingCaller(client: client, configuration: configuration)
        self.tokens = tokens
        self.configuration = configuration
    }

    /// Runs `action` for `installation`. Throws 422 for bad input (before any call), 409 when the installation
    /// needs (re)authorization, 502/504 when the API cannot be reached; an API error status is a result, not a throw.
    public func run(
        _ action: ActionDefinition, api: IntegrationAPI, installation: Installation, credentials: ConnectorCredentials,
        request runRequest: ActionRunRequest
    ) async throws -> ActionRunResult {
        let problems = runRequest.input.problems(for: action, definitions: api.definitions)
        if !problems.isEmpty { throw PatchbayError.validation(problems) }
        guard let baseURL = api.settings.baseUrl, !baseURL.isEmpty else {
            throw PatchbayError.invalid("/api/baseUrl", "is not set; set the integration's base URL before running its actions")
        }
        if let limit = runRequest.pageLimit, !(1...APISettings.Pagination.maximumPageLimit).contains(limit) {
            throw PatchbayError.invalid("/pageLimit", "must be from 1 to \(APISettings.Pagination.maximumPageLimit)")
        }
        guard installation.state == .ready || api.settings.auth.type != .oauth2 else {
            throw TokenManager.needsAuthorization(installation, reauthorization: installation.state == .reauthorizationRequired)
        }
        var request: OutboundRequest
        do {
            request = try RequestBuilder.build(action: action, input: runRequest.input, baseURL: baseURL)
        } catch {
            throw PatchbayError.invalid("/parameters", error.description)
        }
        let paginates = runRequest.paginate && api.settings.pagination.type != .none
        var engine = PaginationEngine(
            settings: paginates ? api.settings.pagination : APISettings.Pagination(type: .none), pageLimit: runRequest.pageLimit)
        if paginates { request = engine.first(request) }
        var results: [JSONValue]?
        var requests = 0
        var trace: [ActionRunResult.Page]? = runRequest.trace ? [] : nil
        while true {
            let (response, attempts) = try await send(request, auth: api.settings.auth, installation: installation, credentials: credentials)
            requests += attempts
            let json = JSONText.decode(response.body)
            let record = ActionRunResult.Response(
                status: response.status, headers: response.headerDictionary, body: json ?? .string(String(decoding: response.body, as: UTF8.self)))
            // The request before auth was applied: a key in the query never reaches the trace.
            var page = ActionRunResult.Page(method: request.method, url: request.url, status: response.status, items: nil, next: nil)
            guard (200..<300).contains(response.status) else {
                trace?.append(page)
                return ActionRunResult(
                    status: response.status, pages: engine.pages + 1, results: results, response: record, trace: trace,
                    stopReason: paginates ? PaginationEngine.StopReason.failed.rawValue : nil, requests: requests)
            }
            let step = engine.next(after: request, headers: response.headers, body: json, rawBody: response.body)
            if trace != nil {
                page.items = engine.results(in: json)
                if case .next(let next) = step { page.next = next.url }
                trace?.append(page)
            }
            // A page identical to the previous one is a loop, not more results.
            if paginates, step != .stop(.identicalPage), let items = engine.results(in: json) { results = (results ?? []) + items }
            switch step {
            case .next(let next):
                request = next
            case .stop(let reason):
                return ActionRunResult(
                    status: response.status, pages: engine.pages, results: results, response: record, trace: trace,
                    stopReason: paginates ? reason.rawValue : nil, requests: requests)
            case .unusable(let reason):
                throw PatchbayError(.badGateway, "\(RetryingCaller.origin(of: request.url)) answered page \(engine.pages) with \(reason).")
            }
        }
    }

    /// Sends one request with auth applied. An OAuth token refused with 401 is replaced once (unless someone
    /// already replaced it) and the request sent again.
    private func send(_ request: OutboundRequest, auth: APISettings.Auth, installation: Installation, credentials: ConnectorCredentials)
        async throws -> (OutboundResponse, Int)
    {
        var token: String?
        if auth.type == .oauth2 { token = try await tokens.accessToken(for: installation, auth: auth) }
        var authorized = request
        AuthApplier.apply(auth, credentials: credentials, accessToken: token, to: &authorized)
        var outcome = try await caller.call(authorized, retry: request.isIdempotent)
        if outcome.response.status == 401, auth.type == .oauth2, let rejected = token {
            let fresh = try await tokens.accessToken(for: installation, auth: auth, rejected: rejected)
            authorized = request
            AuthApplier.apply(auth, credentials: credentials, accessToken: fresh, to: &authorized)
            let second = try await caller.call(authorized, retry: request.isIdempotent)
            outcome = RetryingCaller.Outcome(response: second.response, attempts: outcome.attempts + second.attempts)
        }
        return (outcome.response, outcome.attempts)
    }
}

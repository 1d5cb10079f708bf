import Hummingbird
import PatchbayCore
import PatchbayDelivery
import PatchbayServices
import PatchbayStorage

/// Web Hooks: the table, adding one (its secret and handshake shown once), and a web hook's page with its Event
/// Types, Options and History panels and its actions (send test, pause and resume, rotate and reveal the secret,
/// recover, delete).
extension Console {
    func registerWebhookPages<Context: RequestContext>(on router: Router<Context>) {
        router.get("/console/orgs/{org}/webhooks") { request, context in
            try await page(request, context) { visit in try await webhooksPage(request, context.parameters.get("org") ?? "", visit) }
        }
        router.get("/console/orgs/{org}/webhooks/new") { request, context in
            try await page(request, context) { visit in try await newWebhookPage(context.parameters.get("org") ?? "", visit, form: nil, error: nil) }
        }
        router.post("/console/orgs/{org}/webhooks") { request, context in
            try await action(request, context) { visit, form in try await createWebhook(context.parameters.get("org") ?? "", visit, form) }
        }
        router.get("/console/orgs/{org}/webhooks/{wh}") { request, context in
            try await page(request, context) { visit in
                try await webhookPage(request, context.parameters.get("org") ?? "", context.parameters.get("wh") ?? "", visit)
            }
        }
        router.post("/console/orgs/{org}/webhooks/{wh}/{verb}") { request, context in
            try await action(request, context) { visit, form in
                try await webhookAction(
                    context.parameters.get("verb") ?? "", context.parameters.get("org") ?? "", context.parameters.get("wh") ?? "", visit, form)
            }
        }
        router.get("/console/orgs/{org}/webhooks/{wh}/deliveries/{dlv}") { request, context in
            try await page(request, context) { visit in
                try await deliveryPage(
                    request, context.parameters.get("org") ?? "", context.parameters.get("wh") ?? "", context.parameters.get("dlv") ?? "", visit)
            }
        }
        router.post("/console/orgs/{org}/webhooks/{wh}/deliveries/{dlv}/resend") { request, context in
            try await action(request, context) { visit, form in
                let (org, wh, dlv) = (context.parameters.get("org") ?? "", context.parameters.get("wh") ?? "", context.parameters.get("dlv") ?? "")
                _ = try await services.deliveries.resend(dlv, webhookId: wh, organizationId: org, by: visit.principal)
                return redirect("/console/orgs/\(org)/webhooks/\(wh)/deliveries/\(dlv)?done=resent")
            }
        }
    }

    private func crumbs(_ organization: Organization, _ more: (String, String)...) -> [(String, String)] {
        [(organization.name, "/console/orgs/\(organization.id)"), ("Web Hooks", "/console/orgs/\(organization.id)/webhooks")] + more
    }

    static func stateLabel(_ state: Webhook.State) -> String {
        switch state {
        case .active: "Active"
        case .paused: "Paused"
        case .failing: "Failing"
        case .disabled: "Disabled"
        }
    }

    func webhooksPage(_ request: Request, _ organizationId: String, _ visit: ConsoleAccess.Visit) async throws -> Response {
        let organization = try await services.access.organization(organizationId, for: visit.principal, scope: .webhooksRead)
        let sort = TableSort(request, allowed: WebhookService.sortable, default: "createdAt", descending: true)
        let query = ListQuery(request)
        let page = try await services.webhooks.list(organizationId: organization.id, query.listRequest(sort), by: visit.principal)
        let base = "/console/orgs/\(organization.id)/webhooks"
        let canWrite = visit.principal.allows(.webhooksWrite)
        var rows: [[String: Any]] = []
        for webhook in page.items {
            let spark = try await chartData([webhook], latency: false)
            rows.append([
                "name": webhook.name, "url": webhook.url, "href": "\(base)/\(webhook.id)", "lastTriggered": Formatting.time(webhook.lastTriggeredAt),
                "state": webhook.state.rawValue, "stateLabel": Self.stateLabel(webhook.state), "canWrite": canWrite, "csrf": visit.session.csrf,
                "deleteAction": "\(base)/\(webhook.id)/delete", "editHref": "\(base)/\(webhook.id)#options",
                "spark": Charts.sparkline(spark, label: "Deliveries of \(webhook.name) in the last hour"),
            ])
        }
        let headers = [("Name", "name"), ("URL", "url"), ("Last triggered", "lastTriggeredAt"), ("State", "state")].map {
            sort.header($0.0, $0.1, base: base, query: query.parameters)
        }
        let model: [String: Any] = [
            "rows": rows, "q": query.search ?? "", "base": base, "newHref": "\(base)/new", "headers": headers, "canWrite": canWrite,
            "next": page.nextCursor.map { base + TableSort.query(query.parameters.merging(["cursor": $0, "sort": sort.parameter]) { $1 }) } ?? "",
        ]
        return html(
            layout(
                title: "Web Hooks · \(organization.name)", body: render("webhooks", model), visit: visit, organization: organization,
                section: .webhooks,
                crumbs: crumbs(organization), flash: flash(request)))
    }

    func newWebhookPage(_ organizationId: String, _ visit: ConsoleAccess.Visit, form: FormData?, error: PatchbayError?) async throws -> Response {
        let organization = try await services.access.organization(organizationId, for: visit.principal, scope: .webhooksWrite)
        let base = "/console/orgs/\(organization.id)/webhooks"
        var model: [String: Any] = [
            "csrf": visit.session.csrf, "action": base, "cancel": base, "name": form?["name"] ?? "", "url": form?["url"] ?? "",
            "eventTypes": try await eventTypeChoices(chosen: Set(form?.all("eventTypes") ?? []), by: visit.principal),
        ]
        if let error { model.merge(FieldMessages(error).model) { $1 } }
        return html(
            layout(
                title: "Add a web hook · \(organization.name)", body: render("webhook-new", model), visit: visit, organization: organization,
                section: .webhooks, crumbs: crumbs(organization, ("Add a web hook", "\(base)/new"))),
            status: error == nil ? .ok : .unprocessableContent)
    }

    /// Every event type as a checkbox with its description and example (the `?` popover).
    func eventTypeChoices(chosen: Set<String>, by principal: Principal) async throws -> [[String: Any]] {
        // Without events:read the catalog stays closed: the web hook's own types are shown, without examples.
        guard principal.allows(.eventsRead) else {
            return chosen.sorted().enumerated().map { index, name in ["name": name, "checked": true, "id": "et-\(index)"] }
        }
        return try await services.eventTypes.list(search: nil, by: principal).enumerated().map { index, type in
            [
                "name": type.name, "description": type.description, "example": Formatting.pretty(type.example), "checked": chosen.contains(type.name),
                "id": "et-\(index)",
            ]
        }
    }

    func createWebhook(_ organizationId: String, _ visit: ConsoleAccess.Visit, _ form: FormData) async throws -> Response {
        let input = WebhookService.CreateInput(name: form["name"] ?? "", url: form["url"] ?? "", eventTypes: form.all("eventTypes"))
        let created: WebhookService.Created
        do {
            created = try await services.webhooks.create(input, organizationId: organizationId, by: visit.principal)
        } catch let error as PatchbayError where error.kind == .validation || error.kind == .conflict {
            return try await newWebhookPage(organizationId, visit, form: form, error: error)
        }
        // The secret and the handshake are shown once, on the web hook's own page (a reload does not show them again).
        try await services.console.allowReveal(created.webhook.id, in: visit)
        return redirect("/console/orgs/\(organizationId)/webhooks/\(created.webhook.id)?done=saved")
    }

    /// The secret and the latest handshake of a web hook just created, for the page that shows them once.
    func revealModel(_ webhook: Webhook, visit: ConsoleAccess.Visit) async throws -> [String: Any]? {
        guard try await services.console.takeReveal(webhook.id, in: visit) else { return nil }
        var model: [String: Any] = ["secret": webhook.secret.encoded]
        let latest = try await services.deliveries.history(
            webhookId: webhook.id, organizationId: webhook.organizationId, filter: .init(),
            ListRequest(limit: 1, sort: PatchbayCore.SortOrder(field: "createdAt", descending: true)), by: visit.principal
        ).items.first
        if let latest, let attempt = try await services.deliveries.lastAttempt(of: latest) {
            model["handshake"] =
                [
                    "ok": attempt.result == .success, "status": attempt.statusCode.map(String.init) ?? "no answer", "durationMs": attempt.durationMs,
                    "error": attempt.error ?? "", "challenge": attempt.result == .success,
                ] as [String: Any]
        }
        return model
    }

    func webhookPage(_ request: Request, _ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit) async throws -> Response {
        let (organization, webhook) = try await services.access.webhook(
            id, organizationId: organizationId, for: visit.principal, scope: .webhooksRead)
        let base = "/console/orgs/\(organization.id)/webhooks/\(webhook.id)"
        let canWrite = visit.principal.allows(.webhooksWrite)
        var model = try await historyModel(request, organization, webhook, visit)
        if let reveal = try await revealModel(webhook, visit: visit) { model.merge(reveal) { $1 } }
        let chosen = Set(webhook.eventTypes)
        let secrets = webhook.signingSecrets(at: services.clock.nowMillis)
        model.merge([
            "csrf": visit.session.csrf, "base": base, "name": webhook.name, "url": webhook.url, "state": webhook.state.rawValue,
            "stateLabel": Self.stateLabel(webhook.state), "canWrite": canWrite, "active": webhook.active, "held": webhook.heldCount,
            "lastTriggered": Formatting.time(webhook.lastTriggeredAt), "created": Formatting.time(webhook.createdAt),
            "allTypes": webhook.eventTypes.isEmpty,
            "eventTypes": try await eventTypeChoices(chosen: chosen, by: visit.principal),
            "verifyTls": webhook.verifyTls, "formatJSON": webhook.format == .json, "formatForm": webhook.format == .form,
            "maxEvents": webhook.maxEventsPerRequest, "rateLimit": webhook.rateLimit.map(String.init) ?? "",
            "secretMasked": "whsec_••••••••", "rotating": secrets.count > 1,
            "rotationEnds": Formatting.time(webhook.previousSecretExpiresAt),
            "chart": Charts.all(try await chartData([webhook]), scope: "of this web hook"),
            "recoverDefault": Self.localTime(services.clock.nowMillis - 3_600_000),
        ]) { $1 }
        return html(
            layout(
                title: "\(webhook.name) · Web Hooks", body: render("webhook", model), visit: visit, organization: organization, section: .webhooks,
                crumbs: crumbs(organization, (webhook.name, base)), flash: flash(request)))
    }

    /// The History panel: its filters (all in the query string, so a view can be bookmarked), rows and paging.
    func historyModel(_ request: Request, _ organization: Organization, _ webhook: Webhook, _ visit: ConsoleAccess.Visit) async throws -> [String:
        Any]
    {
        let base = "/console/orgs/\(organization.id)/webhooks/\(webhook.id)"
        let canWrite = visit.principal.allows(.webhooksWrite)
        let parameters = request.uri.queryParameters
        // History filters, all in the query string so a view can be bookmarked.
        var filter = DeliveryRepository.Filter()
        var filterProblems: [String] = []
        let statusText = parameters["status"].map(String.init) ?? ""
        if !statusText.isEmpty {
            if let status = Delivery.Status(rawValue: statusText) {
                filter.status = status
            } else {
                filterProblems.append("Unknown status \(statusText.prefix(40)).")
            }
        }
        let typeText = parameters["type"].map(String.init) ?? ""
        if !typeText.isEmpty { filter.eventType = String(typeText.prefix(200)) }
        let fromText = parameters["from"].map(String.init) ?? ""
        let untilText = parameters["until"].map(String.init) ?? ""
        if !fromText.isEmpty {
            if let from = Self.parseLocalTime(fromText) { filter.from = from } else { filterProblems.append("“From” is not a date and time.") }
        }
        if !untilText.isEmpty {
            if let until = Self.parseLocalTime(untilText) { filter.until = until } else { filterProblems.append("“Until” is not a date and time.") }
        }
        let query = ListQuery(request, extra: ["status", "type", "from", "until"])
        if let search = query.search { filter.payload = search }
        let sort = TableSort(request, allowed: DeliveryService.sortable, default: "createdAt", descending: true)
        var listRequest = query.listRequest(sort)
        listRequest.search = nil
        let page = try await services.deliveries.history(
            webhookId: webhook.id, organizationId: organization.id, filter: filter, listRequest, by: visit.principal)
        let outcomes = try await services.deliveries.lastOutcomes(of: page.items)
        let deliveryRows = page.items.map { delivery -> [String: Any] in
            let attempts = outcomes[delivery.id]
            return [
                "href": "\(base)/deliveries/\(delivery.id)", "id": delivery.id,
                "sentAt": Formatting.time(delivery.lastAttemptAt ?? delivery.createdAt),
                "url": attempts?.url ?? webhook.url, "status": delivery.status.rawValue, "statusLabel": delivery.status.rawValue.capitalized,
                "code": attempts?.statusCode.map(String.init) ?? (attempts?.result ?? "—"), "attempts": delivery.attemptCount,
                "canResend": canWrite && delivery.status != .held, "resendAction": "\(base)/deliveries/\(delivery.id)/resend",
                "csrf": visit.session.csrf,
            ]
        }
        var model: [String: Any] = [
            "deliveries": deliveryRows, "q": query.search ?? "", "filterProblems": filterProblems,
            "statuses": Delivery.Status.allCases.map {
                ["value": $0.rawValue, "label": $0.rawValue.capitalized, "selected": $0.rawValue == statusText]
            },
            "types": (try await services.eventTypes.list(search: nil, by: visit.principal)).map {
                ["value": $0.name, "selected": $0.name == typeText]
            },
            "from": fromText, "until": untilText, "sort": sort.parameter, "historyAction": base,
            "liveURL": base + "/rows" + TableSort.query(query.parameters.merging(["sort": sort.parameter]) { $1 }),
            "next": page.nextCursor.map {
                base + TableSort.query(query.parameters.merging(["cursor": $0, "sort": sort.parameter]) { $1 }) + "#history"
            } ?? "",
        ]
        model["sentHeader"] = sort.header("Sent at", "createdAt", base: base, query: query.parameters)
        model["resultHeader"] = sort.header("Result", "status", base: base, query: query.parameters)
        return model
    }

    /// The history's rows alone, for the live tail.
    func deliveryRowsFragment(_ request: Request, _ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit) async throws -> Response {
        let (organization, webhook) = try await services.access.webhook(
            id, organizationId: organizationId, for: visit.principal, scope: .webhooksRead)
        return html(render("delivery-rows", try await historyModel(request, organization, webhook, visit)))
    }

    /// `2026-12-01T10:00` (what a datetime-local field sends), read as UTC.
    static func parseLocalTime(_ text: String) -> Int64? {
        let trimmed = text.trimmingWhitespace()
        if let full = Timestamp.parse(trimmed) { return full }
        return Timestamp.parse(trimmed + (trimmed.count == 16 ? ":00Z" : "Z"))
    }

    static func localTime(_ millis: Int64) -> String { String(Timestamp.format(millis).prefix(16)) }

    func webhookAction(_ verb: String, _ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit, _ form: FormData) async throws
        -> Response
    {
        let base = "/console/orgs/\(organizationId)/webhooks/\(id)"
        let (_, webhook) = try await services.access.webhook(id, organizationId: organizationId, for: visit.principal, scope: .webhooksWrite)
        let webhooks = services.webhooks
        switch verb {
        case "event-types":
            var input = WebhookService.UpdateInput()
            input.eventTypes = form.all("eventTypes")
            return try await saving(input, webhook, base: base, visit: visit)
        case "options":
            var input = WebhookService.UpdateInput()
            // The form sends verifyTls=no in a hidden field before the checkbox: a post without either leaves it alone.
            let verify = form.all("verifyTls")
            if !verify.isEmpty { input.verifyTls = verify.contains("yes") }
            input.format = form["format"]
            guard let maxEvents = Int(form["maxEventsPerRequest"] ?? "") else {
                throw PatchbayError.invalid("/maxEventsPerRequest", "must be a whole number from 1 to 100")
            }
            input.maxEventsPerRequest = maxEvents
            if let name = form["name"] { input.name = name }
            if let url = form["url"] { input.url = url }
            let limit = form["rateLimit"] ?? ""
            if limit.isEmpty {
                input.rateLimit = .null
            } else if let value = Int(limit) {
                input.rateLimit = .value(value)
            } else {
                throw PatchbayError.invalid("/rateLimit", "must be a whole number from 1 to 10000, or empty for no limit")
            }
            return try await saving(input, webhook, base: base, visit: visit)
        case "pause", "resume":
            var input = WebhookService.UpdateInput()
            input.active = verb == "resume"
            var copy = webhook
            _ = try await webhooks.update(&copy, input)
            return redirect("\(base)?done=\(verb == "resume" ? "resumed" : "paused")")
        case "test":
            _ = try await webhooks.test(id, organizationId: organizationId, by: visit.principal)
            return redirect("\(base)?done=tested#history")
        case "rotate":
            guard form["confirmed"] == "yes" else {
                return try await confirmPage(
                    visit, organizationId: organizationId, section: .webhooks, title: "Rotate the signing secret of \(webhook.name)?",
                    message:
                        "A new secret signs every request from now on. The current one keeps signing too for 24 hours, so receivers can switch over.",
                    action: "\(base)/rotate", button: "Rotate secret", cancel: base)
            }
            _ = try await webhooks.rotate(id, to: nil, organizationId: organizationId, by: visit.principal)
            return redirect("\(base)?done=rotated")
        case "secret":
            guard form["confirmed"] == "yes" else {
                return try await confirmPage(
                    visit, organizationId: organizationId, section: .webhooks, title: "Reveal the signing secret of \(webhook.name)?",
                    message: "The secret lets anyone sign requests as Patchbay. Reveal it only where no one else can see your screen.",
                    action: "\(base)/secret", button: "Reveal secret", cancel: base)
            }
            let secrets = try await webhooks.secrets(id, organizationId: organizationId, by: visit.principal)
            let organization = try await services.access.organization(organizationId, reachedBy: visit.principal)
            let model: [String: Any] = [
                "name": webhook.name, "secret": secrets.secret, "previous": secrets.previousSecret ?? "",
                "previousEnds": Formatting.time(secrets.previousSecretExpiresAt), "done": base,
            ]
            return html(
                layout(
                    title: "Signing secret · \(webhook.name)", body: render("webhook-secret", model), visit: visit, organization: organization,
                    section: .webhooks, crumbs: crumbs(organization, (webhook.name, base))))
        case "recover":
            guard let since = Self.parseLocalTime(form["since"] ?? "") else {
                throw PatchbayError.invalid("/since", "must be a date and time such as 2026-12-01T09:00")
            }
            _ = try await services.deliveries.recover(webhookId: id, since: since, organizationId: organizationId, by: visit.principal)
            return redirect("\(base)?done=recovered#history")
        case "delete":
            guard form["confirmed"] == "yes" else {
                return try await confirmPage(
                    visit, organizationId: organizationId, section: .webhooks, title: "Delete \(webhook.name)?",
                    message: "The web hook, its secret and its delivery history are deleted. Events are no longer sent to \(webhook.url).",
                    action: "\(base)/delete", button: "Delete", cancel: base)
            }
            try await webhooks.delete(id, organizationId: organizationId, by: visit.principal)
            return redirect("/console/orgs/\(organizationId)/webhooks?done=deleted")
        default:
            throw PatchbayError.notFound("Action \(verb.prefix(40))")
        }
    }

    private func saving(_ input: WebhookService.UpdateInput, _ webhook: Webhook, base: String, visit: ConsoleAccess.Visit) async throws -> Response {
        var copy = webhook
        _ = try await services.webhooks.update(&copy, input)
        return redirect("\(base)?done=saved")
    }

    func deliveryPage(_ request: Request, _ organizationId: String, _ webhookId: String, _ id: String, _ visit: ConsoleAccess.Visit) async throws
        -> Response
    {
        let (organization, webhook) = try await services.access.webhook(
            webhookId, organizationId: organizationId, for: visit.principal, scope: .webhooksRead)
        let (delivery, attempts) = try await services.deliveries.get(id, webhookId: webhook.id, organizationId: organization.id, by: visit.principal)
        let events = try await services.deliveries.events(of: delivery)
        let base = "/console/orgs/\(organization.id)/webhooks/\(webhook.id)"
        let canWrite = visit.principal.allows(.webhooksWrite)
        let attemptRows = attempts.enumerated().map { index, attempt -> [String: Any] in
            [
                "number": index + 1, "sentAt": Formatting.time(attempt.sentAt), "url": attempt.url, "result": attempt.result.rawValue,
                "state": attempt.result == .success ? "succeeded" : "failed", "code": attempt.statusCode.map(String.init) ?? "no answer",
                "durationMs": attempt.durationMs, "requestHeaders": Formatting.headers(attempt.requestHeaders),
                "requestBody": Formatting.prettyText(attempt.requestBody), "responseHeaders": Formatting.headers(attempt.responseHeaders),
                "responseBody": attempt.responseBody.map { Formatting.prettyText($0) } ?? "", "error": attempt.error ?? "",
                "bodyId": "attempt-\(index + 1)-request", "responseId": "attempt-\(index + 1)-response",
            ]
        }
        var model: [String: Any] = [
            "id": delivery.id, "status": delivery.status.rawValue, "statusLabel": delivery.status.rawValue.capitalized,
            "created": Formatting.time(delivery.createdAt), "nextAttempt": delivery.nextAttemptAt.map(Formatting.time) ?? "—",
            "attempts": attemptRows, "attemptCount": delivery.attemptCount, "webhookName": webhook.name, "webhookHref": base,
            "events": events.map { ["id": $0.id, "type": $0.type, "data": Formatting.pretty($0.data)] },
            "canResend": canWrite && delivery.status != .held, "resendAction": "\(base)/deliveries/\(delivery.id)/resend", "csrf": visit.session.csrf,
        ]
        if canWrite, let last = attempts.last {
            model["curl"] = try await curl(for: last, webhook: webhook)
        }
        return html(
            layout(
                title: "Delivery \(delivery.id)", body: render("delivery", model), visit: visit, organization: organization, section: .webhooks,
                crumbs: crumbs(organization, (webhook.name, base), ("Delivery", "\(base)/deliveries/\(delivery.id)")), flash: flash(request)))
    }

    /// The last attempt as a cURL command, signed again with a fresh timestamp (a receiver rejects the original's
    /// stale one). Shown only to those who may read the secret anyway (`webhooks:write`).
    func curl(for attempt: DeliveryAttempt, webhook: Webhook) async throws -> String {
        let now = services.clock.nowMillis
        let messageId = attempt.requestHeaders.first { $0.key.lowercased() == "webhook-id" }?.value ?? attempt.deliveryId
        let timestamp = now / 1000
        let signature = StandardWebhooks.signatureHeader(
            id: messageId, timestamp: timestamp, body: Array(attempt.requestBody.utf8), secrets: webhook.signingSecrets(at: now))
        var headers = attempt.requestHeaders.filter {
            !["webhook-timestamp", "webhook-signature", "content-length", "host"].contains($0.key.lowercased())
        }
        if let authorization = webhook.authorization {
            headers = headers.filter { $0.key.lowercased() != "authorization" }
            headers["authorization"] = authorization.headerValue
        }
        headers["webhook-timestamp"] = String(timestamp)
        headers["webhook-signature"] = signature
        var lines = ["curl -X POST \(Formatting.shellQuoted(webhook.url))"]
        for (name, value) in headers.sorted(by: { $0.key.lowercased() < $1.key.lowercased() }) {
            lines.append("  -H \(Formatting.shellQuoted("\(name): \(value)"))")
        }
        lines.append("  --data-binary \(Formatting.shellQuoted(attempt.requestBody))")
        return lines.joined(separator: " \\\n")
    }
}

import Hummingbird
import PatchbayCore
import PatchbayOpenAPI
import PatchbayServices

/// "Add OpenAPI Integration": a Swagger 2.0 or OpenAPI 3.x document (JSON or YAML) dropped, picked or pasted; its
/// problems listed by rule with line and column and the lines they point at; imported when nothing blocks it.
extension Console {
    /// Problems shown per rule (the count says how many more).
    static let problemsShownPerRule = 50

    func registerImportPages<Context: RequestContext>(on router: Router<Context>) {
        router.get("/console/orgs/{org}/integrations/import") { request, context in
            try await page(request, context) { visit in try await importPage(context.parameters.get("org") ?? "", visit, result: nil) }
        }
        router.post("/console/orgs/{org}/integrations/import") { request, context in
            try await upload(request, context) { visit, form in try await importDocument(context.parameters.get("org") ?? "", visit, form) }
        }
        router.get("/console/orgs/{org}/integrations/{int}/reimport") { request, context in
            try await page(request, context) { visit in
                try await reimportPage(context.parameters.get("org") ?? "", context.parameters.get("int") ?? "", visit)
            }
        }
        router.post("/console/orgs/{org}/integrations/{int}/reimport") { request, context in
            try await upload(request, context) { visit, form in
                try await planReimport(context.parameters.get("org") ?? "", context.parameters.get("int") ?? "", visit, form)
            }
        }
        router.post("/console/orgs/{org}/integrations/{int}/reimport/apply") { request, context in
            try await action(request, context) { visit, form in
                try await applyReimport(context.parameters.get("org") ?? "", context.parameters.get("int") ?? "", visit, form)
            }
        }
    }

    /// A signed-in multipart post (a form with a file): origin, size and CSRF checked before the document is read.
    func upload<Context: RequestContext>(
        _ request: Request, _ context: Context, _ body: (ConsoleAccess.Visit, MultipartForm) async throws -> Response
    ) async throws -> Response {
        do {
            guard renderer != nil else { return unavailable() }
            try RequestOrigin.check(request, publicURL: settings.publicURL)
            let visit = try await services.console.visit(secret: Cookies.value(Cookies.session, in: request.headers[.cookie]) ?? "")
            guard let boundary = MultipartForm.boundary(of: request.headers[.contentType] ?? "") else {
                throw PatchbayError(.unsupportedMediaType, "Send the upload as multipart/form-data.")
            }
            // The document plus the form's other fields and the parts' headers.
            let limit = settings.maxDocumentBytes + FormData.maxBytes
            if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
                throw PatchbayError(.tooLarge, "The upload is \(declared) bytes; documents may be up to \(settings.maxDocumentBytes) bytes.")
            }
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: limit)
            } catch {
                throw PatchbayError(.tooLarge, "The upload exceeds the limit of \(settings.maxDocumentBytes) bytes.")
            }
            let form = try MultipartForm(Array(buffer.readableBytesView), boundary: boundary)
            guard let token = form["csrf"], TokenSecret.constantTimeEquals(token, visit.session.csrf) else {
                throw PatchbayError(.forbidden, "The form's security token did not match; reload the page and try again.")
            }
            return try await body(visit, form)
        } catch let error as PatchbayError {
            return errorPage(error, request: request)
        } catch {
            return errorPage(Self.unexpected(error, context: context), request: request)
        }
    }

    struct ImportResult {
        var fileName: String?
        var lint: IntegrationService.LintResult
        var document: [UInt8]
        var bot: Bool
        var imported: IntegrationService.ImportedIntegration?
    }

    func importPage(_ organizationId: String, _ visit: ConsoleAccess.Visit, result: ImportResult?, problem: String? = nil) async throws
        -> Response
    {
        let organization = try await services.access.organization(organizationId, for: visit.principal, scope: .integrationsWrite)
        try visit.principal.requireNotIntegration("create integrations")
        let base = "/console/orgs/\(organization.id)/integrations"
        var model: [String: Any] = [
            "csrf": visit.session.csrf, "action": "\(base)/import", "cancel": base, "maxMiB": settings.maxDocumentBytes / (1024 * 1024),
            "bot": result?.bot ?? false,
        ]
        var status: HTTPResponse.Status = .ok
        if let problem {
            model["documentError"] = problem
            status = .unprocessableContent
        }
        if let result {
            let errors = result.lint.problems.filter { $0.severity == .error }.count
            model["checked"] = true
            model["fileName"] = result.fileName ?? "the pasted document"
            model["version"] = result.lint.version ?? "unknown version"
            model["operations"] = result.lint.operations
            model["errorCount"] = errors
            model["warningCount"] = result.lint.problems.count - errors
            model["blocked"] = errors > 0
            model["groups"] = Self.problemGroups(result.lint.problems, document: result.document)
            if let imported = result.imported {
                model["importedName"] = imported.integration.name
                model["importedActions"] = imported.actions.count
                model["nextHref"] = "\(base)/\(imported.integration.id)/build/details?done=imported"
            } else {
                status = .unprocessableContent
            }
        }
        return html(
            layout(
                title: "Add OpenAPI Integration · \(organization.name)", body: render("import", model), visit: visit, organization: organization,
                section: .integrations,
                crumbs: [
                    (organization.name, "/console/orgs/\(organization.id)"), ("Integrations", base), ("Add OpenAPI Integration", "\(base)/import"),
                ]),
            status: status)
    }

    func importDocument(_ organizationId: String, _ visit: ConsoleAccess.Visit, _ form: MultipartForm) async throws -> Response {
        let file = form.first("document").flatMap { $0.body.isEmpty ? nil : $0 }
        let bytes: [UInt8]
        switch Self.document(in: form) {
        case .success(let document): bytes = document
        case .failure(let problem): return try await importPage(organizationId, visit, result: nil, problem: problem.message)
        }
        guard bytes.count <= settings.maxDocumentBytes else {
            throw PatchbayError(.tooLarge, "The document is \(bytes.count) bytes; the limit is \(settings.maxDocumentBytes).")
        }
        let bot = form["bot"] == "yes"
        let lint = try await services.integrations.lint(bytes)
        var result = ImportResult(fileName: file?.filename.map { String($0.prefix(200)) }, lint: lint, document: bytes, bot: bot)
        guard lint.valid else { return try await importPage(organizationId, visit, result: result) }
        let imported = try await services.integrations.importDocument(bytes, bot: bot, organizationId: organizationId, by: visit.principal)
        let base = "/console/orgs/\(organizationId)/integrations/\(imported.integration.id)"
        // Without findings there is nothing to read here: on to the builder. Warnings are shown once, with a Next.
        guard !lint.problems.isEmpty else { return redirect("\(base)/build/details?done=imported") }
        result.imported = imported
        return try await importPage(organizationId, visit, result: result)
    }

    /// The re-import page: the upload form, and after a document, its problems or the diff with "Apply".
    func reimportPage(
        _ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit, plan: IntegrationService.ReimportPlan? = nil,
        document: [UInt8] = [], uploadId: String? = nil, problem: String? = nil
    ) async throws -> Response {
        let organization = try await services.access.organization(organizationId, for: visit.principal, scope: .integrationsWrite)
        let (integration, api) = try await services.integrations.settings(id, organizationId: organization.id, by: visit.principal)
        let base = "/console/orgs/\(organization.id)/integrations/\(integration.id)"
        var model: [String: Any] = [
            "csrf": visit.session.csrf, "name": integration.name, "action": "\(base)/reimport", "cancel": base,
            "source": api?.source ?? "", "maxMiB": settings.maxDocumentBytes / (1024 * 1024),
        ]
        var status: HTTPResponse.Status = .ok
        if let problem {
            model["documentError"] = problem
            status = .unprocessableContent
        }
        if let plan {
            model["checked"] = true
            model["groups"] = Self.problemGroups(plan.lint.problems, document: document)
            model["errorCount"] = plan.lint.problems.filter { $0.severity == .error }.count
            if let uploadId {
                model["planned"] = true
                model["applyAction"] = "\(base)/reimport/apply"
                model["uploadId"] = uploadId
                model["nothing"] = plan.isEmpty
                model["unchanged"] = plan.unchanged
                model["added"] = plan.added.map { ["name": $0.name, "method": $0.method, "path": $0.path] }
                model["removed"] = plan.removed.map { ["name": $0.definition.name, "method": $0.definition.method, "path": $0.definition.path] }
                model["changed"] = plan.changed.map { change -> [String: Any] in
                    [
                        "name": change.action.definition.name, "method": change.definition.method, "path": change.definition.path,
                        "fields": change.fields.joined(separator: ", "),
                    ]
                }
                model["addedCount"] = plan.added.count
                model["removedCount"] = plan.removed.count
                model["changedCount"] = plan.changed.count
            } else {
                status = .unprocessableContent
            }
        }
        return html(
            layout(
                title: "Re-import · \(integration.name)", body: render("reimport", model), visit: visit, organization: organization,
                section: .integrations,
                crumbs: [
                    (organization.name, "/console/orgs/\(organization.id)"), ("Integrations", "/console/orgs/\(organization.id)/integrations"),
                    (integration.name, base), ("Re-import", "\(base)/reimport"),
                ]),
            status: status)
    }

    func planReimport(_ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit, _ form: MultipartForm) async throws -> Response {
        let bytes: [UInt8]
        switch Self.document(in: form) {
        case .success(let document): bytes = document
        case .failure(let problem):
            return try await reimportPage(organizationId, id, visit, problem: problem.message)
        }
        let plan = try await services.integrations.planReimport(bytes, integrationId: id, organizationId: organizationId, by: visit.principal)
        guard plan.lint.valid else { return try await reimportPage(organizationId, id, visit, plan: plan, document: bytes) }
        let uploadId = try await services.console.holdUpload(bytes, integrationId: id, in: visit)
        return try await reimportPage(organizationId, id, visit, plan: plan, document: bytes, uploadId: uploadId)
    }

    func applyReimport(_ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit, _ form: FormData) async throws -> Response {
        guard let uploadId = form["upload"], let bytes = try await services.console.heldUpload(uploadId, integrationId: id, in: visit) else {
            return try await reimportPage(
                organizationId, id, visit, problem: "That upload is no longer held (an hour has passed, or it was applied); upload it again.")
        }
        try await services.integrations.applyReimport(bytes, integrationId: id, organizationId: organizationId, by: visit.principal)
        try await services.console.releaseUpload(uploadId)
        return redirect("/console/orgs/\(organizationId)/integrations/\(id)/actions?done=saved")
    }

    struct DocumentChoice: Error {
        var message: String
    }

    /// The uploaded document: the file or the pasted text, exactly one of them.
    static func document(in form: MultipartForm) -> Result<[UInt8], DocumentChoice> {
        let file = form.first("document").flatMap { $0.body.isEmpty ? nil : $0 }
        let pasted = form["pasted"].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        switch (file, pasted) {
        case (let file?, nil): return .success(Array(file.body))
        case (nil, let text?): return .success(Array(text.utf8))
        case (_?, _?): return .failure(DocumentChoice(message: "Choose a file or paste a document, not both."))
        case (nil, nil): return .failure(DocumentChoice(message: "Choose a file, drop one on the box, or paste the document."))
        }
    }

    /// The problems by rule (errors first), each with its place and the document's lines around it.
    static func problemGroups(_ problems: [LintProblem], document: [UInt8]) -> [[String: Any]] {
        let lines = DocumentLines(document)
        let summaries = Dictionary(Linter.rules.map { ($0.name, $0.summary) }, uniquingKeysWith: { first, _ in first })
        let grouped = Dictionary(grouping: problems, by: \.rule)
        return grouped.sorted { left, right in
            let (l, r) = (left.value.map(\.severity).min() ?? .hint, right.value.map(\.severity).min() ?? .hint)
            return l != r ? l < r : left.key < right.key
        }.map { rule, items -> [String: Any] in
            let severity = items.map(\.severity).min() ?? .hint
            return [
                "rule": rule, "summary": summaries[rule] ?? "", "count": items.count, "severity": severity.rawValue,
                "isError": severity == .error,
                "more": items.count > problemsShownPerRule ? "\(items.count - problemsShownPerRule)" : "",
                "problems": items.prefix(problemsShownPerRule).map { problem -> [String: Any] in
                    var entry: [String: Any] = [
                        "message": problem.message, "pointer": problem.pointer.isEmpty ? "/" : problem.pointer,
                        "severity": problem.severity.rawValue, "excerpt": [[String: Any]](),
                    ]
                    if let line = problem.line {
                        entry["place"] = "\(line):\(problem.column ?? 1)"
                        entry["excerpt"] = lines.excerpt(around: line, column: problem.column ?? 1)
                    }
                    return entry
                },
            ]
        }
    }
}

/// A document's lines, found once, for showing the few around a problem.
struct DocumentLines {
    private let bytes: [UInt8]
    private var starts: [Int] = [0]
    static let context = 2
    static let maxWidth = 160

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(index + 1) }
    }

    /// Lines `line-2 … line+2` (1-based), each cut to a window around `column` on long lines (minified JSON).
    func excerpt(around line: Int, column: Int) -> [[String: Any]] {
        guard line >= 1, line <= starts.count else { return [] }
        let first = max(1, line - Self.context)
        let last = min(starts.count, line + Self.context)
        return (first...last).map { number -> [String: Any] in
            let start = starts[number - 1]
            var end = number < starts.count ? starts[number] - 1 : bytes.count
            if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            // Long lines (minified JSON) are cut in bytes, never counted in characters: a window around the column.
            var from = start
            var to = max(start, end)
            if to - from > Self.maxWidth {
                if number == line { from = min(max(start, start + column - 1 - Self.maxWidth / 2), to - Self.maxWidth) }
                to = from + Self.maxWidth
            }
            var text = String(decoding: bytes[from..<to], as: UTF8.self)
            if from > start { text = "…" + text }
            if to < max(start, end) { text += "…" }
            return ["number": number, "text": text, "current": number == line]
        }
    }
}

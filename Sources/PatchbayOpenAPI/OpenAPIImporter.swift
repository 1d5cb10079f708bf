import PatchbayCore

/// What importing an API description yields: its findings, its actions and suggested settings.
public struct ImportedAPI: Sendable {
    public var format: SourceFormat
    public var version: String
    /// "Swagger 2.0", "OpenAPI 3.1.0".
    public var versionName: String
    public var title: String?
    public var description: String?
    public var problems: [LintProblem]
    public var operationCount: Int
    public var actions: [ActionDefinition]
    public var definitions: [String: JSONValue]
    public var settings: APISettings
    /// The OpenAPI 3 form (Swagger 2.0 converted).
    public var converted: SourceNode

    /// Valid means no error-level finding; warnings never make a document invalid.
    public var isValid: Bool { !problems.contains { $0.severity == .error } }
}

/// Why a document yields nothing at all: it cannot be read, or it is not OpenAPI or Swagger.
public struct ImportFailure: Error, Sendable {
    public var problem: LintProblem
}

/// The whole pipeline: read (JSON or YAML), recognise, lint, convert Swagger 2.0, extract actions, suggest
/// settings. Lint findings never stop an import; only a document that yields no operations model does.
public enum OpenAPIImporter {
    /// Conversion (Swagger 2.0 → OpenAPI 3), action extraction and settings hints, without linting.
    public static func actions(for document: APIDocument) -> (
        converted: SourceNode, actions: (actions: [ActionDefinition], definitions: [String: JSONValue]), settings: APISettings
    ) {
        let converted = SwaggerConverter.convert(document)
        // A converted document is OpenAPI 3.0 by construction; an OpenAPI 3 document is its own model.
        let model = document.version.isSwagger ? ((try? APIDocument(root: converted)) ?? document) : document
        let extraction = ActionExtractor.extract(model)
        let settings = APISettings(
            baseUrl: BaseURLHints.suggest(document),
            auth: AuthHints.suggest(document),
            pagination: PaginationHints.suggest(extraction.styles)
        )
        return (converted, (extraction.actions, extraction.definitions), settings)
    }

    public static func read(_ bytes: [UInt8]) throws(ImportFailure) -> (SourceDocument, APIDocument) {
        let source = try readSource(bytes)
        do {
            return (source, try APIDocument(root: source.root))
        } catch {
            throw ImportFailure(
                problem: LintProblem(rule: "not-openapi", severity: .error, pointer: error.pointer, position: error.position, message: error.message))
        }
    }

    /// JSON or YAML into positioned nodes, not yet recognised as an API description.
    static func readSource(_ bytes: [UInt8]) throws(ImportFailure) -> SourceDocument {
        do {
            return try SourceDocumentReader.read(bytes)
        } catch {
            throw ImportFailure(
                problem: LintProblem(rule: "unreadable", severity: .error, pointer: "", position: error.position, message: error.message))
        }
    }

    public static func lint(_ bytes: [UInt8]) throws(ImportFailure) -> (document: APIDocument, problems: [LintProblem]) {
        let (source, document) = try read(bytes)
        return (document, Linter.lint(document, readWarnings: source.warnings))
    }

    public static func importAPI(_ bytes: [UInt8]) throws(ImportFailure) -> ImportedAPI {
        let (source, document) = try read(bytes)
        return analyze(document, format: source.format, readWarnings: source.warnings)
    }

    public static func analyze(_ document: APIDocument, format: SourceFormat, readWarnings: [SourceReadWarning], otherProblems: [LintProblem] = [])
        -> ImportedAPI
    {
        let problems = otherProblems + Linter.lint(document, readWarnings: readWarnings)
        let (converted, extraction, settings) = actions(for: document)
        return ImportedAPI(
            format: format,
            version: document.versionText,
            versionName: document.displayName,
            title: document.root["info"]?["title"]?.string,
            description: document.root["info"]?["description"]?.string,
            problems: problems,
            operationCount: extraction.actions.count,
            actions: extraction.actions,
            definitions: extraction.definitions,
            settings: settings,
            converted: converted
        )
    }
}

extension OpenAPIImporter {
    /// For the command line: reads the file at `path` through `loader` and inlines references to other local
    /// files before the pipeline runs; their problems join the lint findings.
    public static func readFile(_ path: String, loader: @escaping ExternalReferenceBundler.Loader) throws(ImportFailure) -> (
        source: SourceDocument, document: APIDocument, problems: [LintProblem]
    ) {
        let bytes: [UInt8]
        do {
            bytes = try loader(path)
        } catch {
            throw ImportFailure(
                problem: LintProblem(rule: "unreadable", severity: .error, pointer: "", position: nil, message: "cannot read \(path): \(error)"))
        }
        // The model is made once, after other files are inlined (its reference index is a tenth of a large lint).
        let source = try readSource(bytes)
        let (root, problems) =
            ExternalReferenceBundler.mayReferToOtherFiles(bytes)
            ? ExternalReferenceBundler.bundle(source.root, path: path, loader: loader) : (source.root, [])
        do {
            return (source, try APIDocument(root: root), problems)
        } catch {
            throw ImportFailure(
                problem: LintProblem(rule: "not-openapi", severity: .error, pointer: error.pointer, position: error.position, message: error.message))
        }
    }
}

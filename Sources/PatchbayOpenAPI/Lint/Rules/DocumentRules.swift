import PatchbayCore

/// Rules about the document as a whole: info, servers or host, and the required skeleton.
enum DocumentRules {
    static func check(_ report: inout LintReport, readWarnings: [SourceReadWarning]) {
        let document = report.document
        let root = document.root
        let schemaRule = document.version.isSwagger ? "oas2-schema" : "oas3-schema"

        for warning in readWarnings {
            if warning.pointer.hasPrefix("/paths/"), warning.pointer.split(separator: "/").count == 2 {
                report.report("duplicate-paths", .error, at: warning.pointer, warning.position, "path is declared twice: \(warning.message)")
            } else {
                report.report("duplicate-keys", .warn, at: warning.pointer, warning.position, warning.message)
            }
        }

        if let info = root["info"], info.isObject {
            for field in ["title", "version"] where info[field] == nil {
                report.report(schemaRule, .error, at: "/info", info.position, "info is missing the required `\(field)`")
            }
            if (info["description"]?.string ?? "").trimmingWhitespace().isEmpty {
                report.report("info-description", .warn, at: "/info", info.position, "info has no description: say what the API is for")
            }
        } else {
            report.report(schemaRule, .error, at: "/info", root["info"]?.position ?? root.position, "the document has no `info` object")
        }

        if let paths = root["paths"] {
            if !paths.isObject { report.report(schemaRule, .error, at: "/paths", paths.position, "`paths` must be an object") }
        } else if root["webhooks"] == nil && root["components"] == nil {
            report.report(schemaRule, .error, at: "", root.position, "the document has no `paths`")
        }

        if document.version.isSwagger {
            if (root["host"]?.string ?? "").isEmpty {
                report.report(
                    "oas2-api-host", .info, at: "/host", root["host"]?.position,
                    "no `host`: the API's address has to be given when the integration is set up")
            }
            for (index, scheme) in (root["schemes"]?.items ?? []).enumerated() {
                guard let text = scheme.string, ["http", "https", "ws", "wss"].contains(text) else {
                    report.report("oas2-api-schemes", .warn, at: "/schemes/\(index)", scheme.position, "scheme must be one of http, https, ws, wss")
                    continue
                }
            }
        } else {
            let servers = root["servers"]?.items ?? []
            if servers.isEmpty {
                report.report(
                    "oas3-api-servers", .warn, at: "/servers", root["servers"]?.position,
                    "no `servers`: the API's base URL has to be given when the integration is set up")
            }
            for (index, server) in servers.enumerated() {
                let url = server["url"]?.string ?? ""
                if url.isEmpty {
                    report.report("oas3-api-servers", .warn, at: "/servers/\(index)", server.position, "server has no `url`")
                } else if url.hasSuffix("/") && url != "/" {
                    report.report(
                        "oas3-api-servers", .warn, at: "/servers/\(index)/url", server["url"]?.position,
                        "server url \"\(url)\" ends with a slash; paths already start with one")
                }
            }
        }
    }
}

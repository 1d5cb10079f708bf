import Crypto
import Foundation
import Mustache
import PatchbayCore

/// The templates and assets, read once at start-up from the resource bundle SwiftPM places next to the executable
/// (or from `PATCHBAY_CONSOLE_RESOURCES`, or the source tree in development).
struct Renderer: Sendable {
    struct Asset: Sendable {
        var bytes: [UInt8]
        var contentType: String
        /// A hash of the content, added to asset URLs so a new release is fetched, and an old one cached for ever.
        var version: String
    }

    let library: MustacheLibrary
    let assets: [String: Asset]
    static let bundleName = "Patchbay_PatchbayConsole.resources"

    init(resourcesPath: String?) throws {
        guard let root = Self.locate(resourcesPath) else {
            throw PatchbayError(.unavailable, "The console's templates were not found next to the executable (\(Self.bundleName)).")
        }
        var library = MustacheLibrary()
        let templates = root + "/Templates"
        for name in try FileManager.default.contentsOfDirectory(atPath: templates) where name.hasSuffix(".mustache") {
            let text = try String(contentsOfFile: templates + "/" + name, encoding: .utf8)
            try library.register(text, named: String(name.dropLast(".mustache".count)))
        }
        self.library = library
        var assets: [String: Asset] = [:]
        for (name, type) in [("console.css", "text/css; charset=utf-8"), ("console.js", "text/javascript; charset=utf-8")] {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: root + "/Assets/" + name)))
            let digest = SHA256.hash(data: bytes).prefix(6).map { String($0, radix: 16).leftPadded(2) }.joined()
            assets[name] = Asset(bytes: bytes, contentType: type, version: digest)
        }
        self.assets = assets
    }

    /// The first directory holding `Templates` and `Assets`.
    static func locate(_ configured: String?) -> String? {
        var candidates: [String] = []
        if let configured { candidates.append(configured) }
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(bundleName).path)
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent(bundleName).path)
        candidates.append(URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent().appendingPathComponent(bundleName).path)
        // Development and tests: the sources themselves.
        candidates.append(
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Resources").path)
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/Templates/layout.mustache") }
    }

    func render(_ template: String, _ context: Any) -> String {
        library.render(context, withTemplate: template) ?? "<!-- missing template \(template) -->"
    }

    func assetPath(_ name: String) -> String { "/console/assets/\(name)?v=\(assets[name]?.version ?? "0")" }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}

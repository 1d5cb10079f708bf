import PatchbayCore

/// `multipart`: the console's upload parser. The first byte picks the boundary's length (1 to 70) and the bytes
/// after it are the boundary, then the body; every part found must lie inside the body, and the text fields must
/// read back.
public enum MultipartFuzzTarget {
    public static func run(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let length = Int(first % 70) + 1
        guard bytes.count > length else { return }
        let boundary = String(decoding: bytes[1...length].map { 0x21 + $0 % 94 }, as: UTF8.self)
        let body = Array(bytes[(length + 1)...])
        _ = MultipartForm.boundary(of: "multipart/form-data; boundary=\"\(boundary)\"")
        guard let form = try? MultipartForm(body, boundary: boundary) else { return }
        guard form.parts.count <= MultipartForm.maxParts else { preconditionFailure("more parts than the cap") }
        for part in form.parts {
            guard part.body.startIndex >= 0, part.body.endIndex <= body.count else { preconditionFailure("a part outside the body") }
            _ = form[part.name]
        }
    }
}

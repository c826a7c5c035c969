import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Every form a leaked password could take on disk or in a log: raw, base64, UTF-16LE (as AD's
/// unicodePwd, bare and quoted, raw and base64), hex (both cases), URL- and JSON-escaped.
package enum Canary {
    /// A fresh password that passes AD complexity and is unlikely to occur anywhere by chance.
    package static func make(_ tag: String = "") -> String {
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16)
        return "Cn\(tag)-\(id)!x9"
    }

    package static func forms(_ password: String) -> [(String, [UInt8])] {
        let utf8 = Array(password.utf8)
        func utf16le(_ s: String) -> [UInt8] { s.utf16.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] } }
        let hex = utf8.map { String(format: "%02x", $0) }.joined()
        var forms: [(String, [UInt8])] = [
            ("raw", utf8),
            ("base64", Array(Data(utf8).base64EncodedString().utf8)),
            ("utf16le", utf16le(password)),
            ("utf16le-quoted-base64", Array(Data(utf16le("\"\(password)\"")).base64EncodedString().utf8)),
            ("hex", Array(hex.utf8)),
            ("HEX", Array(hex.uppercased().utf8)),
            ("utf16le-hex", Array(utf16le(password).map { String(format: "%02x", $0) }.joined().utf8)),
        ]
        if let url = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics), url != password {
            forms.append(("url", Array(url.utf8)))
        }
        let json = String(decoding: try! JSONEncoder().encode(password), as: UTF8.self).dropFirst().dropLast()
        if json != password { forms.append(("json", Array(json.utf8))) }
        return forms
    }

    /// Names of (file, form) pairs where any password occurs in any of `files`.
    package static func scan(files: [String], for passwords: [String]) -> [String] {
        var hits: [String] = []
        let needles = passwords.flatMap(forms)
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            let bytes = [UInt8](data)
            for (name, needle) in needles where contains(bytes, needle) {
                hits.append("\(file): \(name)")
            }
        }
        return hits
    }

    /// Names of (file, form) pairs where any of `keys` (key material, not text) occurs in any of
    /// `files`: the bytes themselves, or as hex in either case.
    package static func scan(files: [String], forKeys keys: [[UInt8]]) -> [String] {
        var hits: [String] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            let bytes = [UInt8](data)
            for (i, key) in keys.enumerated() {
                let hex = key.map { String(format: "%02x", $0) }.joined()
                for (name, needle) in [("raw", key), ("hex", Array(hex.utf8)), ("HEX", Array(hex.uppercased().utf8))] where contains(bytes, needle) {
                    hits.append("\(file): key \(i) \(name)")
                }
            }
        }
        return hits
    }

    /// libc's `memchr` and `memcmp`: a scan of many passwords over a large audit log stays fast in
    /// a debug build.
    static func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, hay.count >= needle.count else { return false }
        return hay.withUnsafeBytes { h in
            needle.withUnsafeBytes { n in
                guard let base = h.baseAddress, let nb = n.baseAddress else { return false }
                let first = Int32(needle[0])
                var offset = 0
                let last = h.count - n.count
                while offset <= last {
                    guard let hit = memchr(base + offset, first, last - offset + 1) else { return false }
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + at, nb, n.count) == 0 { return true }
                    offset = at + 1
                }
                return false
            }
        }
    }

    /// Every regular file below `dir`.
    package static func files(under dir: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        return e.compactMap { $0 as? String }.map { "\(dir)/\($0)" }.filter {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &isDir) && !isDir.boolValue
        }
    }
}

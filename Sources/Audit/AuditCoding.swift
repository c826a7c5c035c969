import Crypto
import Foundation
import Secrets

/// The one line format of an audit record, and the hash that chains the next record to it.
///
/// A line is JSON with sorted keys and no escaped slashes. A sealed line is the same JSON with
/// `,"mac":"<64 hex>"` inserted before its closing brace; the MAC covers the line without it.
public enum AuditCoding {
    static let macPrefix = Array(#","mac":""#.utf8)
    /// `,"mac":"` + 64 hex digits + `"}`
    static let macSuffixLength = macPrefix.count + 64 + 2

    /// The record without its MAC: what is sealed, and the whole line when unsealed.
    public static func payload(_ record: AuditEvent) throws -> [UInt8] {
        var r = record
        r.mac = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(r))
    }

    /// `payload` with its MAC added.
    public static func sealed(_ payload: [UInt8], mac: [UInt8]) -> [UInt8] {
        var line = Array(payload.dropLast())
        line += macPrefix
        for b in mac { Hex.append(b, to: &line) }
        line += Array(#""}"#.utf8)
        return line
    }

    /// The payload and MAC of a sealed line; nil when the line carries no MAC in the sealed form.
    public static func split<D: Collection>(_ line: D) -> (payload: [UInt8], mac: [UInt8])? where D.Element == UInt8 {
        let bytes = Array(line)
        guard bytes.count > macSuffixLength else { return nil }
        let cut = bytes.count - macSuffixLength
        guard Array(bytes[cut..<cut + macPrefix.count]) == macPrefix, bytes.suffix(2) == [0x22, 0x7d],
              let mac = Hex.decode(String(decoding: bytes[(cut + macPrefix.count)..<(bytes.count - 2)], as: UTF8.self))
        else { return nil }
        return (Array(bytes[..<cut]) + [0x7d], mac)
    }

    /// The record on one line, or nil when it is not a complete chained record.
    public static func record<D: Collection>(_ line: D) -> AuditEvent? where D.Element == UInt8 {
        guard let r = try? JSONDecoder().decode(AuditEvent.self, from: Data(line)), r.seq != nil, r.prev != nil else { return nil }
        return r
    }

    /// SHA-256 of the line, in hex.
    public static func hash<D: Collection>(_ line: D) -> String where D.Element == UInt8 {
        Hex.encode(SHA256.hash(data: Array(line)))
    }
}

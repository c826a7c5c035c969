import Crypto
import Foundation
import Secrets

/// The one line format of an audit record: JSON with sorted keys, no escaped slashes, no newline;
/// and the hash that chains the next record to it.
public enum AuditCoding {
    public static func line(_ record: AuditEvent) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(record))
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

import Crypto
import FoundationEssentials
import JSONText
import Secrets

/// The one line format of an audit record, and the hash that chains the next record to it.
///
/// A line is one JSON object in a fixed member order: the decision's own fields (`body`, encoded
/// by the caller before it queues for the log), then the writer's `time`, `seq`, `prev` and
/// `epoch`. A sealed line is the same JSON with `,"mac":"<64 hex>"` inserted before its closing
/// brace; the MAC covers the line without it. Readers parse members in any order, so lines from
/// earlier versions (sorted keys) verify and read the same.
package enum AuditCoding {
    static let macPrefix = Array(#","mac":""#.utf8)
    /// `,"mac":"` + 64 hex digits + `"}`
    static let macSuffixLength = macPrefix.count + 64 + 2

    /// The decision's fields, from `{` up to (not including) the writer's fields and closing brace.
    package static func body(_ e: AuditEvent) -> [UInt8] {
        var w = JSONWriter(capacity: 384)
        w.raw("{\"event\":")
        w.string(e.event.rawValue)
        func text(_ name: StaticString, _ v: String?) {
            guard let v else { return }
            w.raw(","); w.raw(name); w.string(v)
        }
        text("\"request_id\":", e.requestID)
        text("\"client\":", e.client)
        text("\"principal\":", e.principal)
        text("\"operation\":", e.operation)
        text("\"form\":", e.form?.rawValue)
        text("\"action\":", e.action?.rawValue)
        text("\"placeholder\":", e.placeholder?.rawValue)
        text("\"user_name\":", e.userName)
        text("\"user_id\":", e.userID)
        text("\"dn\":", e.dn)
        text("\"account_name\":", e.accountName)
        text("\"mode\":", e.mode?.rawValue)
        text("\"scope\":", e.scope)
        text("\"outcome\":", e.outcome?.rawValue)
        text("\"reason\":", e.reason?.rawValue)
        if let v = e.resultCode { w.raw(",\"result_code\":"); w.int(v) }
        if let v = e.historyEnforced { w.raw(",\"history_enforced\":"); w.bool(v) }
        if let v = e.keptDisabled { w.raw(",\"kept_disabled\":"); w.bool(v) }
        if let v = e.latencyMs { w.raw(",\"latency_ms\":"); w.int(v) }
        if let v = e.count { w.raw(",\"count\":"); w.int(v) }
        if let a = e.attributes {
            w.raw(",\"attributes\":[")
            for (i, s) in a.enumerated() {
                if i > 0 { w.raw(",") }
                w.string(s)
            }
            w.raw("]")
        }
        if let d = e.dropped {
            w.raw(",\"dropped\":{\"first_seq\":"); w.int(d.firstSeq)
            w.raw(",\"last_seq\":"); w.int(d.lastSeq)
            w.raw(",\"head_hash\":"); w.string(d.headHash)
            if let v = d.from { w.raw(",\"from\":"); w.string(v) }
            if let v = d.until { w.raw(",\"until\":"); w.string(v) }
            w.raw("}")
        }
        return w.bytes
    }

    /// `body` closed with the writer's fields: the whole line when unsealed, what is MACed when sealed.
    package static func payload(body: [UInt8], time: String, seq: UInt64, prev: String, epoch: UInt64?) -> [UInt8] {
        var w = JSONWriter(capacity: body.count + 160)
        w.bytes += body
        w.raw(",\"time\":"); w.string(time)
        w.raw(",\"seq\":"); w.int(seq)
        w.raw(",\"prev\":"); w.string(prev)
        if let epoch { w.raw(",\"epoch\":"); w.int(epoch) }
        w.raw("}")
        return w.bytes
    }

    /// The record without its MAC, from a record whose writer fields are set.
    package static func payload(_ record: AuditEvent) -> [UInt8] {
        payload(body: body(record), time: record.time ?? "", seq: record.seq ?? 0, prev: record.prev ?? AuditLog.genesis, epoch: record.epoch)
    }

    /// `payload` with its MAC added.
    package static func sealed(_ payload: [UInt8], mac: [UInt8]) -> [UInt8] {
        var line = Array(payload.dropLast())
        line += macPrefix
        for b in mac { Hex.append(b, to: &line) }
        line += Array(#""}"#.utf8)
        return line
    }

    /// The payload and MAC of a sealed line; nil when the line carries no MAC in the sealed form.
    package static func split<D: Collection>(_ line: D) -> (payload: [UInt8], mac: [UInt8])? where D.Element == UInt8 {
        let bytes = Array(line)
        guard bytes.count > macSuffixLength else { return nil }
        let cut = bytes.count - macSuffixLength
        guard Array(bytes[cut..<cut + macPrefix.count]) == macPrefix, bytes.suffix(2) == [0x22, 0x7d],
              let mac = Hex.decode(String(decoding: bytes[(cut + macPrefix.count)..<(bytes.count - 2)], as: UTF8.self))
        else { return nil }
        return (Array(bytes[..<cut]) + [0x7d], mac)
    }

    /// The record on one line, or nil when it is not a complete chained record.
    package static func record<D: Collection>(_ line: D) -> AuditEvent? where D.Element == UInt8 {
        guard let r = try? JSONDecoder().decode(AuditEvent.self, from: Data(line)), r.seq != nil, r.prev != nil else { return nil }
        return r
    }

    /// SHA-256 of the line, in hex.
    package static func hash<D: Collection>(_ line: D) -> String where D.Element == UInt8 {
        Hex.encode(SHA256.hash(data: Array(line)))
    }
}

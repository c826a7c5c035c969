#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A password or token, held in memory we allocate ourselves and wipe on release.
///
/// It cannot be printed, logged, interpolated, dumped or encoded: every such path yields
/// `<redacted>`. The only way to the bytes is `withUnsafeBytes`, at the edge that sends them.
package final class Secret: @unchecked Sendable {
    /// Immutable after init, so sharing across tasks is safe.
    private let storage: UnsafeMutableRawBufferPointer

    /// Number of bytes (UTF-8 for passwords decoded from requests).
    package var count: Int { storage.count }
    package var isEmpty: Bool { storage.isEmpty }

    /// Copies `bytes` into wiped storage. The caller should wipe its own copy if it can.
    package init<C: Collection>(bytes: C) where C.Element == UInt8 {
        storage = .allocate(byteCount: bytes.count, alignment: 1)
        _ = storage.initializeMemory(as: UInt8.self, from: bytes)
    }

    /// Copies the UTF-8 of `string`. Swift strings cannot be wiped, so prefer `init(bytes:)`.
    package convenience init(_ string: String) {
        let utf8 = string.utf8
        self.init(capacity: utf8.count) { out in
            var n = 0
            for b in utf8 { out[n] = b; n += 1 }
            return n
        }
    }

    /// Builds a secret by writing at most `capacity` bytes into fresh storage; `body` returns how many it wrote.
    package init(capacity: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
        defer { Secret.wipe(scratch); scratch.deallocate() }
        scratch.initializeMemory(as: UInt8.self, repeating: 0)
        let written = try body(scratch)
        precondition(written >= 0 && written <= capacity, "Secret: writer overflowed its buffer")
        storage = .allocate(byteCount: written, alignment: 1)
        if written > 0 { storage.copyMemory(from: UnsafeRawBufferPointer(rebasing: scratch[0..<written])) }
    }

    deinit {
        Secret.wipe(storage)
        storage.deallocate()
    }

    /// Access the bytes for the shortest possible time; never copy them into a `String` or `Array`.
    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(storage))
    }

    /// Constant-time in the length of the longer input: the time taken says nothing about where they differ.
    package func constantTimeEquals(_ other: Secret) -> Bool {
        other.withUnsafeBytes { constantTimeEquals($0) }
    }

    package func constantTimeEquals(_ other: UnsafeRawBufferPointer) -> Bool {
        let n = max(count, other.count)
        var diff: UInt8 = count == other.count ? 0 : 1
        for i in 0..<n {
            let a: UInt8 = i < count ? storage[i] : 0
            let b: UInt8 = i < other.count ? other[i] : 0
            diff |= a ^ b
        }
        return diff == 0
    }

    /// True when the bytes are well-formed UTF-8 (what a directory can store as a password).
    /// True when the value holds a control character (C0, DEL or C1 in UTF-8): nothing anyone
    /// can type at a login prompt, so never a password worth writing.
    package var containsControlCharacter: Bool {
        withUnsafeBytes { raw in
            for (i, b) in raw.enumerated() {
                if b < 0x20 || b == 0x7f { return true }
                if b == 0xc2, i + 1 < raw.count, (0x80...0x9f).contains(raw[i + 1]) { return true }
            }
            return false
        }
    }

    package var isValidUTF8: Bool {
        withUnsafeBytes { raw in
            var it = raw.bindMemory(to: UInt8.self).makeIterator()
            var decoder = UTF8()
            while true {
                switch decoder.decode(&it) {
                case .scalarValue: continue
                case .emptyInput: return true
                case .error: return false
                }
            }
        }
    }

    /// Overwrites memory in a way the optimiser may not drop.
    static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        #if canImport(Glibc)
        explicit_bzero(base, buffer.count)
        #else
        memset_s(base, buffer.count, 0, buffer.count)
        #endif
    }
}

extension Secret: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable, Encodable {
    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }
    package var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode("<redacted>")
    }
}

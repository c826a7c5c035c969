extension Secret {
    /// AD's `unicodePwd` value: UTF-16LE of `"` + password + `"` (MS-ADTS 3.1.1.3.1.5.1).
    ///
    /// Transcodes straight from our UTF-8 bytes into new wiped storage, without passing through a
    /// `String`. Returns nil when the password is not valid UTF-8 (we would otherwise set a password
    /// nobody can type, and AD would not tell us).
    package func activeDirectoryUnicodePwd() -> Secret? {
        // Each UTF-8 byte yields at most one UTF-16 unit (4 bytes -> 2 units), so 2 bytes per input byte.
        let capacity = (count + 2) * 2
        var ok = true
        let result = withUnsafeBytes { raw -> Secret in
            Secret(capacity: capacity) { out in
                var n = 0
                func put(_ unit: UInt16) {
                    out[n] = UInt8(truncatingIfNeeded: unit)
                    out[n + 1] = UInt8(truncatingIfNeeded: unit >> 8)
                    n += 2
                }
                put(0x22)
                let failed = transcode(raw.bindMemory(to: UInt8.self).makeIterator(),
                                       from: UTF8.self, to: UTF16.self, stoppingOnError: true) { put($0) }
                put(0x22)
                if failed { ok = false; return 0 }
                return n
            }
        }
        return ok ? result : nil
    }
}

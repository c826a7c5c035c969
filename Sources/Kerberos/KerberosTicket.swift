#if canImport(Glibc)
import Glibc
#endif

/// The initial ticket pwsync holds for its own identity: who, from which KDC, until when, and the
/// name of the private in-memory cache it sits in. Nothing here is key material.
package struct KerberosTicket: Sendable, Equatable {
    /// `name@REALM`, as the KDC issued it.
    package let principal: String
    package let realm: String
    /// The KDC address that answered (`127.0.0.1:88`), when krb5 reported it.
    package let kdc: String?
    /// Seconds since the epoch.
    package let start: Int64
    package let end: Int64
    /// `MEMORY:…`: in this process only; never the system's default cache.
    package let cacheName: String

    package init(principal: String, realm: String, kdc: String?, start: Int64, end: Int64, cacheName: String) {
        self.principal = principal
        self.realm = realm
        self.kdc = kdc
        self.start = start
        self.end = end
        self.cacheName = cacheName
    }

    package var lifetime: Int64 { end - start }

    /// Seconds until the ticket expires, by this host's clock.
    package var secondsLeft: Int64 { end - Int64(time(nil)) }

    /// True once less than a quarter of the lifetime (at most five minutes) is left: the next bind
    /// gets a fresh ticket well before this one expires, so no bind ever meets an expired one.
    package func needsRenewal(at now: Int64) -> Bool {
        end - now < min(300, max(1, lifetime / 4))
    }
}

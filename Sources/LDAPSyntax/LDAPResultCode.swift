/// An LDAP result code (RFC 4511 §4.1.9), or one of libldap's own negative codes for what went
/// wrong on the client side. A struct, not an enum: a server may answer any code.
package struct LDAPResultCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    package var rawValue: Int32
    package init(rawValue: Int32) { self.rawValue = rawValue }
    package init(_ rawValue: Int32) { self.rawValue = rawValue }

    package static let success = Self(0)
    package static let operationsError = Self(1)
    package static let protocolError = Self(2)
    package static let sizeLimitExceeded = Self(4)
    package static let strongerAuthRequired = Self(8)
    package static let unavailableCriticalExtension = Self(12)
    package static let confidentialityRequired = Self(13)
    package static let noSuchAttribute = Self(16)
    package static let undefinedAttributeType = Self(17)
    package static let constraintViolation = Self(19)
    package static let attributeOrValueExists = Self(20)
    package static let invalidAttributeSyntax = Self(21)
    package static let noSuchObject = Self(32)
    package static let invalidCredentials = Self(49)
    package static let insufficientAccessRights = Self(50)
    package static let busy = Self(51)
    package static let unavailable = Self(52)
    package static let unwillingToPerform = Self(53)
    package static let objectClassViolation = Self(65)
    package static let notAllowedOnNonLeaf = Self(66)
    package static let entryAlreadyExists = Self(68)
    package static let objectClassModsProhibited = Self(69)

    // libldap's client-side codes (ldap.h).
    package static let serverDown = Self(-1)
    package static let localError = Self(-2)
    package static let timeout = Self(-5)
    package static let filterError = Self(-7)
    package static let connectError = Self(-11)
    /// The filter error's number before libldap 2.x renumbered its client codes; some paths still report it.
    package static let filterErrorLegacy = Self(87)

    /// Worth a retry later: the server is down, slow, unreachable, busy or unavailable.
    package var isTransient: Bool {
        self == .serverDown || self == .timeout || self == .connectError || self == .busy || self == .unavailable
    }

    package var description: String { "\(rawValue)" }
}

/// The password policy response control's error (draft-behera-ldap-password-policy §6.2),
/// which slapd's ppolicy overlay sends with a refused password change.
package enum PasswordPolicyError: Int32, Sendable {
    case passwordExpired = 0
    case accountLocked = 1
    case changeAfterReset = 2
    case passwordModNotAllowed = 3
    case mustSupplyOldPassword = 4
    case insufficientPasswordQuality = 5
    case passwordTooShort = 6
    case passwordTooYoung = 7
    case passwordInHistory = 8
    case passwordTooLong = 9
}

import Secrets

/// The admin's choices about what pwsync may do to the directory beyond setting passwords.
public struct SyncPolicy: Sendable, Equatable {
    /// What to do with the password Okta puts in every `POST /Users`, sync on or off.
    public enum Placeholder: String, Sendable, Codable, CaseIterable {
        /// Default: it carries no meaning (Okta sends one even with Sync Password off).
        case ignore
        /// Write it; if the directory's policy refuses it, a random password is used instead.
        case apply
    }

    public var placeholder: Placeholder
    /// When false, `active` changes are audited and echoed but never written to the directory.
    public var disableAccounts: Bool
    /// Which accounts get Okta's password and which a random one of pwsync's.
    public var modes: PasswordModes
    /// On deactivation, also set a random password, so re-enabling the account later does not
    /// bring an old password back.
    public var scrambleOnDeactivate: Bool
    /// How random passwords are made (length, classes, excluded characters).
    public var generator: PasswordGenerator

    public init(placeholder: Placeholder = .ignore, disableAccounts: Bool = true, modes: PasswordModes = .init(),
                scrambleOnDeactivate: Bool = false, generator: PasswordGenerator = .init()) {
        self.placeholder = placeholder
        self.disableAccounts = disableAccounts
        self.modes = modes
        self.scrambleOnDeactivate = scrambleOnDeactivate
        self.generator = generator
    }
}

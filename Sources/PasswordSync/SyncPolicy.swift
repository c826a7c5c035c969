import Secrets

/// The admin's choices about what pwsync may do to the directory beyond setting passwords.
package struct SyncPolicy: Sendable, Equatable {
    /// What to do with the password Okta puts in every `POST /Users`, sync on or off.
    package enum Placeholder: String, Sendable, Codable, CaseIterable {
        /// Default: it carries no meaning (Okta sends one even with Sync Password off).
        case ignore
        /// Write it; if the directory's policy refuses it, a random password is used instead.
        case apply
    }

    package var placeholder: Placeholder
    /// When false, `active` changes are audited and echoed but never written to the directory.
    package var disableAccounts: Bool
    /// Which accounts get Okta's password and which a random one of pwsync's.
    package var modes: PasswordModes
    /// On deactivation, also set a random password, so re-enabling the account later does not
    /// bring an old password back.
    package var scrambleOnDeactivate: Bool
    /// How random passwords are made (length, classes, excluded characters).
    package var generator: PasswordGenerator

    package init(placeholder: Placeholder = .ignore, disableAccounts: Bool = true, modes: PasswordModes = .init(),
                scrambleOnDeactivate: Bool = false, generator: PasswordGenerator = .init()) {
        self.placeholder = placeholder
        self.disableAccounts = disableAccounts
        self.modes = modes
        self.scrambleOnDeactivate = scrambleOnDeactivate
        self.generator = generator
    }
}

/// Active Directory settings: how a reset treats `pwdLastSet` and password history.
package struct ActiveDirectoryOptions: Sendable, Equatable {
    /// What to write to `pwdLastSet` in the same modify as the password.
    package enum PwdLastSet: String, Sendable, Codable, CaseIterable { case now, mustChange = "must_change", leave }
    /// When the DC cannot enforce history on a reset (no policy-hints control): refuse, or reset anyway.
    package enum History: String, Sendable, Codable, CaseIterable { case require, bestEffort = "best_effort" }

    package var pwdLastSet: PwdLastSet
    package var history: History

    package init(pwdLastSet: PwdLastSet = .now, history: History = .bestEffort) {
        self.pwdLastSet = pwdLastSet
        self.history = history
    }
}

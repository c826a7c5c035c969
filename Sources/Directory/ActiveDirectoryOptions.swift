/// Active Directory settings: how a reset treats `pwdLastSet` and password history.
public struct ActiveDirectoryOptions: Sendable, Equatable {
    /// What to write to `pwdLastSet` in the same modify as the password.
    public enum PwdLastSet: String, Sendable, Codable, CaseIterable { case now, mustChange = "must_change", leave }
    /// When the DC cannot enforce history on a reset (no policy-hints control): refuse, or reset anyway.
    public enum History: String, Sendable, Codable, CaseIterable { case require, bestEffort = "best_effort" }

    public var pwdLastSet: PwdLastSet
    public var history: History

    public init(pwdLastSet: PwdLastSet = .now, history: History = .bestEffort) {
        self.pwdLastSet = pwdLastSet
        self.history = history
    }
}

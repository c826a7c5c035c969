import FoundationEssentials

/// What `pwsync set-password` and `pwsync rotate` ask the running daemon over its control
/// socket: one JSON object per line each way. The daemon is the one writer of the audit chain,
/// so an operator's change is ordered with Okta's pushes for the same user.
public enum ControlMessage {
    public struct Request: Codable, Sendable {
        public enum Command: String, Codable, Sendable { case setPassword = "set-password", rotate }
        public var command: Command
        /// set-password: the account, and the typed password (nil: a random one).
        public var user: String?
        public var password: String?
        /// set-password --random: send the new password back (for --show or --output); otherwise
        /// it leaves the daemon only towards the directory.
        public var reveal: Bool?
        /// rotate: exactly one of these selects the accounts.
        public var users: [String]?
        public var scope: String?
        public var filter: String?
        public var dryRun: Bool?
        /// rotate: accounts per minute.
        public var rate: Int?

        public init(command: Command, user: String? = nil, password: String? = nil, reveal: Bool? = nil, users: [String]? = nil,
                    scope: String? = nil, filter: String? = nil, dryRun: Bool? = nil, rate: Int? = nil) {
            self.command = command
            self.user = user
            self.password = password
            self.reveal = reveal
            self.users = users
            self.scope = scope
            self.filter = filter
            self.dryRun = dryRun
            self.rate = rate
        }
    }

    /// One line of the answer: progress while a rotation runs, then a final line with `done`.
    public struct Reply: Codable, Sendable, Equatable {
        public var done: Bool
        public var error: String?
        /// set-password: the account's DN, and the password written (shown once by the CLI).
        public var dn: String?
        public var password: String?
        /// rotate progress: one account and what came of it.
        public var account: String?
        public var outcome: String?
        public var index: Int?
        public var total: Int?
        /// rotate, final line: outcome (rotated, due, skipped:reason, failed:reason) → count.
        public var summary: [String: Int]?

        public init(done: Bool, error: String? = nil, dn: String? = nil, password: String? = nil, account: String? = nil,
                    outcome: String? = nil, index: Int? = nil, total: Int? = nil, summary: [String: Int]? = nil) {
            self.done = done
            self.error = error
            self.dn = dn
            self.password = password
            self.account = account
            self.outcome = outcome
            self.index = index
            self.total = total
            self.summary = summary
        }
    }
}

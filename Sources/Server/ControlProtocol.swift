import FoundationEssentials

/// What `pwsync set-password` and `pwsync rotate` ask the running daemon over its control
/// socket: one JSON object per line each way. The daemon is the one writer of the audit chain,
/// so an operator's change is ordered with Okta's pushes for the same user.
package enum ControlMessage {
    package struct Request: Codable, Sendable {
        package enum Command: String, Codable, Sendable { case setPassword = "set-password", rotate }
        package var command: Command
        /// set-password: the account, and the typed password (nil: a random one).
        package var user: String?
        package var password: String?
        /// set-password --random: send the new password back (for --show or --output); otherwise
        /// it leaves the daemon only towards the directory.
        package var reveal: Bool?
        /// rotate: exactly one of these selects the accounts.
        package var users: [String]?
        package var scope: String?
        package var filter: String?
        package var dryRun: Bool?
        /// rotate: accounts per minute.
        package var rate: Int?

        package init(command: Command, user: String? = nil, password: String? = nil, reveal: Bool? = nil, users: [String]? = nil,
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
    package struct Reply: Codable, Sendable, Equatable {
        package var done: Bool
        package var error: String?
        /// set-password: the account's DN, and the password written (shown once by the CLI).
        package var dn: String?
        package var password: String?
        /// rotate progress: one account and what came of it.
        package var account: String?
        package var outcome: String?
        package var index: Int?
        package var total: Int?
        /// rotate, final line: outcome (rotated, due, skipped:reason, failed:reason) → count.
        package var summary: [String: Int]?

        package init(done: Bool, error: String? = nil, dn: String? = nil, password: String? = nil, account: String? = nil,
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

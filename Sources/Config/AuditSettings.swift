import Audit

extension Configuration {
    /// `[audit]`: where the log is, when it reaches the disk, how it rotates and whether it is sealed.
    package struct Audit: Sendable {
        package var path: String
        package var sync: AuditLog.SyncPolicy
        package var maxBytes: Int?
        package var keep: Int
        /// The forward-secure sealing key (`pwsync audit keygen`); nil = records are chained, not sealed.
        package var sealKeyFile: String?

        package static let batchRecordsSetting = Setting("audit.fsync_batch_records", default: 64, 1...10_000)
        package static let batchIntervalMsSetting = Setting("audit.fsync_interval_ms", default: 1000, 10...60_000)
        package static let keepSetting = Setting("audit.keep", default: 10, 1...1000)
        package static let minimumMaxBytes = 4096
    }
}

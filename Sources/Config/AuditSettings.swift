import Audit

extension Configuration {
    /// `[audit]`: where the log is, when it reaches the disk, how it rotates and whether it is sealed.
    public struct Audit: Sendable {
        public var path: String
        public var sync: AuditLog.SyncPolicy
        public var maxBytes: Int?
        public var keep: Int
        /// The forward-secure sealing key (`pwsync audit keygen`); nil = records are chained, not sealed.
        public var sealKeyFile: String?

        public static let batchRecordsSetting = Setting("audit.fsync_batch_records", default: 64, 1...10_000)
        public static let batchIntervalMsSetting = Setting("audit.fsync_interval_ms", default: 1000, 10...60_000)
        public static let keepSetting = Setting("audit.keep", default: 10, 1...1000)
        public static let minimumMaxBytes = 4096
    }
}

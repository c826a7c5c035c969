import Foundation

/// An nftables rule in the test's own network namespace that drops every packet to a local TCP
/// port: a blackholed server (no RST, nothing answered). `lift()` removes it.
package struct Blackhole: Sendable {
    let table: String

    package init(port: Int) throws {
        table = "pwsync_blackhole_\(port)"
        try Self.nft("add table inet \(table)")
        do {
            try Self.nft("add chain inet \(table) input { type filter hook input priority 0 ; }")
            try Self.nft("add rule inet \(table) input tcp dport \(port) drop")
        } catch {
            lift()
            throw error
        }
    }

    package func lift() { try? Self.nft("delete table inet \(table)") }

    static func nft(_ command: String) throws {
        let status = try runWithCleanSignals("/usr/sbin/nft", command.split(separator: " ").map(String.init))
        if status != 0 { throw Fixture.Missing(description: "nft \(command) failed (\(status))") }
    }
}

import Access
import XCTest

final class ClientAllowlistTests: XCTestCase {
    func testNetworksMatchByPrefix() throws {
        let list = ClientAllowlist([try XCTUnwrap(.init("192.0.2.0/24")), try XCTUnwrap(.init("2001:db8::/32")), try XCTUnwrap(.init("198.51.100.7"))])
        XCTAssertTrue(list.allows("192.0.2.200"))
        XCTAssertFalse(list.allows("192.0.3.1"))
        XCTAssertTrue(list.allows("198.51.100.7"))
        XCTAssertFalse(list.allows("198.51.100.8"))
        XCTAssertTrue(list.allows("2001:db8:1::5"))
        XCTAssertFalse(list.allows("2001:db9::1"))
        XCTAssertTrue(list.allows("::ffff:192.0.2.9"), "IPv4 seen through a dual-stack socket")
        XCTAssertFalse(list.allows(nil))
        XCTAssertFalse(list.allows("not-an-ip"))
        XCTAssertTrue(ClientAllowlist([]).allows("203.0.113.1"), "no list: everyone")
        XCTAssertTrue(ClientAllowlist([try XCTUnwrap(.init("10.0.0.0/7"))]).allows("11.255.0.1"), "odd prefix lengths")
    }

    func testBadNetworksAreRejected() {
        for bad in ["192.0.2.0/33", "2001:db8::/129", "192.0.2.0/", "example.com", "192.0.2.0/24/1", ""] {
            XCTAssertNil(ClientAllowlist.Network(bad), bad)
        }
    }
}

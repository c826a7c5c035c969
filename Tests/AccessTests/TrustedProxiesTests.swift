import Access
import XCTest

final class TrustedProxiesTests: XCTestCase {
    let proxies = TrustedProxies([ClientAllowlist.Network("10.0.0.0/24")!, ClientAllowlist.Network("2001:db8::5")!])

    func testOnlyListedProxiesAreTrustedAndNoneWhenTheListIsEmpty() {
        XCTAssertTrue(proxies.trusts("10.0.0.7"))
        XCTAssertTrue(proxies.trusts("2001:db8::5"))
        XCTAssertFalse(proxies.trusts("10.0.1.7"))
        XCTAssertFalse(proxies.trusts(nil))
        XCTAssertFalse(TrustedProxies([]).trusts("10.0.0.7"), "an empty list trusts no one (unlike [server] allow)")
    }

    func testTheClientIsTheRightmostHopThatIsNoTrustedProxy() {
        XCTAssertEqual(proxies.client(forwardedFor: ["198.51.100.9"]), "198.51.100.9")
        // A client that writes its own header cannot hide behind it: the proxy appended the real one.
        XCTAssertEqual(proxies.client(forwardedFor: ["1.2.3.4, 198.51.100.9"]), "198.51.100.9")
        XCTAssertEqual(proxies.client(forwardedFor: ["198.51.100.9, 10.0.0.2"]), "198.51.100.9", "a second proxy is skipped")
        XCTAssertEqual(proxies.client(forwardedFor: ["198.51.100.9", "10.0.0.2"]), "198.51.100.9", "repeated headers form one chain")
        XCTAssertEqual(proxies.client(forwardedFor: ["[2001:db8::9]:443"]), "2001:db8::9")
        XCTAssertEqual(proxies.client(forwardedFor: ["198.51.100.9:5000"]), "198.51.100.9")
        XCTAssertEqual(proxies.client(forwardedFor: ["10.0.0.3, 10.0.0.2"]), "10.0.0.3", "all proxies: the leftmost")
    }

    func testAChainWithSomethingThatIsNoAddressIsNotUsed() {
        XCTAssertNil(proxies.client(forwardedFor: ["unknown"]))
        XCTAssertNil(proxies.client(forwardedFor: ["198.51.100.9, evil"]))
        XCTAssertNil(proxies.client(forwardedFor: []))
        XCTAssertNil(proxies.client(forwardedFor: [" "]))
    }
}

@testable import Access
import XCTest

final class ProxyHeaderTests: XCTestCase {
    func testVersion1() {
        let h = Array("PROXY TCP4 198.51.100.9 192.0.2.1 56324 8443\r\n".utf8)
        XCTAssertEqual(ProxyHeader.parse(h + [0x16, 0x03]), .header(source: "198.51.100.9", length: h.count))
        XCTAssertEqual(ProxyHeader.parse(Array("PROXY TCP6 2001:db8::9 2001:db8::1 1 2\r\n".utf8)),
                       .header(source: "2001:db8::9", length: 40))
        XCTAssertEqual(ProxyHeader.parse(Array("PROXY UNKNOWN\r\n".utf8)), .header(source: nil, length: 15))
        XCTAssertEqual(ProxyHeader.parse(Array("PROXY TCP4 198.51".utf8)), .needMore)
        XCTAssertEqual(ProxyHeader.parse(Array("PRO".utf8)), .needMore)
        guard case .invalid = ProxyHeader.parse(Array("PROXY TCP4 2001:db8::9 192.0.2.1 1 2\r\n".utf8)) else { return XCTFail("family mismatch") }
        guard case .invalid = ProxyHeader.parse(Array("PROXY TCP4 198.51.100.9 192.0.2.1 1\r\n".utf8)) else { return XCTFail("5 fields") }
        guard case .invalid = ProxyHeader.parse(Array(("PROXY TCP4 " + String(repeating: "1", count: 120)).utf8)) else { return XCTFail("too long") }
    }

    func testVersion2() {
        let sig = ProxyHeader.v2Signature
        let v4 = sig + [0x21, 0x11, 0x00, 0x0C, 198, 51, 100, 9, 192, 0, 2, 1, 0xDC, 0x04, 0x20, 0xFB]
        XCTAssertEqual(ProxyHeader.parse(v4 + [0x16]), .header(source: "198.51.100.9", length: 28))
        XCTAssertEqual(ProxyHeader.parse(Array(v4.prefix(20))), .needMore)
        var v6 = sig + [0x21, 0x21, 0x00, 0x24]
        v6 += [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [9]
        v6 += Array(repeating: 0, count: 16) + [0, 1, 0, 2]
        XCTAssertEqual(ProxyHeader.parse(v6), .header(source: "2001:db8::9", length: 52))
        let local = sig + [0x20, 0x00, 0x00, 0x00]
        XCTAssertEqual(ProxyHeader.parse(local), .header(source: nil, length: 16), "a health check's own connection")
        // TLVs after the addresses are skipped with the header.
        let tlv = sig + [0x21, 0x11, 0x00, 0x10, 198, 51, 100, 9, 192, 0, 2, 1, 0, 1, 0, 2, 0x04, 0x00, 0x01, 0x00]
        XCTAssertEqual(ProxyHeader.parse(tlv), .header(source: "198.51.100.9", length: 32))
        guard case .invalid = ProxyHeader.parse(sig + [0x11, 0x11, 0x00, 0x0C]) else { return XCTFail("version 1 in a v2 header") }
    }

    func testATLSClientHelloIsNoHeader() {
        XCTAssertEqual(ProxyHeader.parse([0x16, 0x03, 0x01, 0x02, 0x00]), .absent)
        XCTAssertEqual(ProxyHeader.parse(Array("GET / HTTP/1.1\r\n".utf8)), .absent)
    }
}

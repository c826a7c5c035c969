import FuzzSupport
import Foundation
import SCIM

/// POST/PUT bodies, both dialects: any input parses or fails with a SCIMError, never crashes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    for version in [SCIMVersion.v2, .v1] {
        _ = try? UserDocument.parse(data, version: version)
        _ = try? UserDocument.parse(data, version: version, emptyPasswordIsAbsent: true)
        _ = try? GroupDocument.parse(data, version: version)
    }
    return 0
}

@_cdecl("FuzzSCIMBody_main")
func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv) { data, size in fuzz(UnsafeRawPointer(data!), size) }
}

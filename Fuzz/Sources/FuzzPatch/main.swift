import FuzzSupport
import Foundation
import SCIM

/// PATCH bodies (2.0 PatchOp and the 1.1 partial resource), with the profile paths they name.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    for version in [SCIMVersion.v2, .v1] {
        if let change = try? PatchRequest.parse(data, version: version) {
            for path in change.profile.keys { _ = ProfilePath.canonical(path) }
        }
        _ = try? GroupPatch.parse(data, version: version)
    }
    return 0
}

@_cdecl("FuzzPatch_main")
func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv) { data, size in fuzz(UnsafeRawPointer(data!), size) }
}

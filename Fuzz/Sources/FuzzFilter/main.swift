import FuzzSupport
import SCIM

/// Query strings and the SCIM filters in them, as they arrive in GET /Users.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    _ = try? SCIMFilter.parse(text)
    if let params = try? QueryString.parse(Substring(text)) {
        if let f = params["filter"] { _ = try? SCIMFilter.parse(f) }
        _ = try? Pagination(startIndex: params["startIndex"], count: params["count"])
        _ = AttributeSelection(attributes: params["attributes"], excludedAttributes: params["excludedAttributes"])
    }
    return 0
}

@_cdecl("FuzzFilter_main")
func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv) { data, size in fuzz(UnsafeRawPointer(data!), size) }
}

import FuzzSupport
import Config

/// The config loader: any text is a Configuration or a list of file:line errors.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    _ = try? Configuration.parse(text, file: "fuzz.toml")
    return 0
}

@_cdecl("FuzzConfig_main")
func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv) { data, size in fuzz(UnsafeRawPointer(data!), size) }
}

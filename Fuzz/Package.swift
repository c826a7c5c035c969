// swift-tools-version:6.1
import PackageDescription

/// libFuzzer targets for the parsers an unauthenticated or hostile input reaches. Built apart from
/// the main package, with `-sanitize=fuzzer,address`: see scripts/fuzz.
let package = Package(
    name: "pwsync-fuzz",
    dependencies: [.package(name: "pwsync", path: "..")],
    targets: [.target(name: "FuzzSupport")] + ["FuzzSCIMBody", "FuzzPatch", "FuzzFilter", "FuzzConfig"].map {
        .executableTarget(name: $0, dependencies: ["FuzzSupport", .product(name: "PwsyncParsers", package: "pwsync")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    }
)

// swift-tools-version:6.1
import PackageDescription

/// Targets follow ../shared/design.md: pure parsing/policy (SCIM, Secrets, Config, Audit) apart
/// from I/O (LDAP, Directory, Server); PasswordSync depends only on protocols.
let package = Package(
    name: "pwsync",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pwsync", targets: ["pwsync"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLDAP",
            pkgConfig: "ldap",
            providers: [.apt(["libldap-dev"])]
        ),
        .target(name: "CHardening"),
        .target(name: "LDAP", dependencies: ["CLDAP", "Secrets"]),
        .target(name: "Secrets", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "SCIM", dependencies: ["Secrets"]),
        .target(name: "Directory", dependencies: ["LDAP", "Secrets", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Audit", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "PasswordSync", dependencies: ["SCIM", "Directory", "Audit", "Secrets", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Redaction", dependencies: [.product(name: "Logging", package: "swift-log")]),
        .target(name: "Config", dependencies: ["Secrets", "LDAP", .product(name: "TOMLKit", package: "TOMLKit")]),
        .target(
            name: "Server",
            dependencies: [
                "PasswordSync", "SCIM", "Secrets", "Audit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "pwsync",
            dependencies: [
                "Config", "Server", "PasswordSync", "Directory", "Audit", "Secrets", "LDAP", "CHardening", "Redaction",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),

        .testTarget(name: "SecretsTests", dependencies: ["Secrets"]),
        .testTarget(name: "SCIMTests", dependencies: ["SCIM", "Secrets"]),
        .testTarget(name: "LDAPTests", dependencies: ["LDAP", "Secrets"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config"]),
        .testTarget(name: "AuditTests", dependencies: ["Audit", "PasswordSync", "Fakes", "Directory", "SCIM", "Secrets"]),
        .testTarget(name: "RedactionTests", dependencies: ["Redaction", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "PasswordSyncTests", dependencies: ["PasswordSync", "SCIM", "Directory", "Audit", "Secrets", "Fakes"]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "PasswordSync", "Directory", "Audit", "Secrets", "Fakes",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        /// Live: real slapd and Samba AD DC started by scripts/test (fails when they are missing).
        .testTarget(name: "DirectoryTests", dependencies: ["Directory", "LDAP", "Secrets", "TestSupport"]),
        /// Live: the built `pwsync serve` over real HTTPS against both directories.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "LDAP", "Secrets", "Config", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(name: "TestSupport", dependencies: ["LDAP", "Secrets"], path: "Tests/TestSupport"),
        /// In-memory `Directory` and `AuditSink` for unit tests of pure logic.
        .target(name: "Fakes", dependencies: ["Directory", "Audit", "Secrets"], path: "Tests/Fakes"),
    ]
)

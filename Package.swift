// swift-tools-version:6.1
import PackageDescription

/// Targets follow docs/architecture.md: pure parsing and policy (SCIM, Secrets, Config, Audit,
/// Directory, LDAPSyntax) apart from I/O (LDAP, LDAPBackedDirectory, Server). Only `LDAP` and
/// `LDAPBackedDirectory` link libldap; PasswordSync reaches the directory and the audit log only
/// through the `Directory` and `AuditSink` protocols.
/// Members only from modules a file imports itself: otherwise full Foundation's String methods,
/// visible through a dependency's import, win overload resolution and link ICU's data in.
let strictImports: [SwiftSetting] = [.enableUpcomingFeature("MemberImportVisibility")]

let package = Package(
    name: "pwsync",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pwsync", targets: ["pwsync"]),
        // For the libFuzzer targets in Fuzz/ (a package of their own, built with the sanitizers).
        .library(name: "PwsyncParsers", targets: ["SCIM", "Config"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLDAP",
            pkgConfig: "ldap",
            providers: [.apt(["libldap-dev"])]
        ),
        // Not through pkg-config: its -isystem flag is refused, and Debian's headers are in /usr/include.
        .systemLibrary(name: "CKerberos", providers: [.apt(["libkrb5-dev"])]),
        .target(name: "CHardening"),
        /// The deadline on opening an LDAP connection (libldap's connect callbacks, a lock, a timer's cut).
        .target(name: "CLDAPOpenGuard", dependencies: ["CLDAP"]),
        .target(name: "Secrets", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        /// Trimming and padding text without full Foundation (whose String methods link ICU in).
        .target(name: "PlainText"),
        /// LDAP text syntax without C: URLs, RFC 4514/4515 escaping.
        .target(name: "LDAPSyntax", dependencies: ["Secrets"]),
        /// A serial executor on a private queue, for actors whose work blocks (libldap, the audit file).
        .target(name: "Executors"),
        /// The libldap client.
        .target(name: "LDAP", dependencies: ["CLDAP", "CLDAPOpenGuard", "CKerberos", "Executors", "LDAPSyntax", "Secrets"]),
        /// pwsync's own Kerberos identity from a keytab (MIT krb5), for the GSSAPI bind.
        .target(name: "Kerberos", dependencies: ["CKerberos"]),
        /// JSON text written in one pass (audit lines, SCIM bodies).
        .target(name: "JSONText"),
        .target(name: "SCIM", dependencies: ["Secrets", "JSONText", "PlainText"]),
        /// Who may connect: client networks (CIDR) from `[server] allow`.
        .target(name: "Access"),
        /// The directory core: protocol, models, failure reasons. No C.
        .target(name: "Directory", dependencies: ["Secrets"]),
        /// `Directory` over LDAP: pool, failover, one dialect type each for AD and OpenLDAP.
        .target(name: "LDAPBackedDirectory", dependencies: [
            "Directory", "LDAP", "LDAPSyntax", "Kerberos", "Secrets", .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .target(name: "Audit", dependencies: [
            "Executors", "Secrets", "JSONText", "PlainText", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .target(name: "PasswordSync", dependencies: ["Directory", "Audit", "Secrets", .product(name: "Logging", package: "swift-log"),
                                                     .product(name: "CoreMetrics", package: "swift-metrics")]),
        /// `pwsync init`'s pure parts: the answers, the config and Okta settings they make, the TLS key and CSR.
        .target(name: "Setup", dependencies: [
            "Directory", "PlainText", .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        .target(name: "Redaction", dependencies: [.product(name: "Logging", package: "swift-log")]),
        .target(name: "Config", dependencies: [
            "Secrets", "LDAPSyntax", "Directory", "Audit", "PasswordSync", "SCIM", "Access", "PlainText",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .target(
            name: "Server",
            dependencies: [
                "PasswordSync", "SCIM", "Secrets", "Audit", "Access", "PlainText", "Directory", "Config",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOFoundationEssentialsCompat", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "pwsync",
            dependencies: [
                "Config", "Server", "PasswordSync", "Directory", "LDAPBackedDirectory", "Audit", "Secrets", "LDAP",
                "LDAPSyntax", "CHardening", "Redaction", "Kerberos", "PlainText", "Setup",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),

        .testTarget(name: "SecretsTests", dependencies: ["Secrets"]),
        .testTarget(name: "DirectoryTests", dependencies: ["Directory", "Secrets"]),
        .testTarget(name: "JSONTextTests", dependencies: ["JSONText"]),
        .testTarget(name: "SCIMTests", dependencies: ["SCIM", "Secrets"]),
        .testTarget(name: "LDAPSyntaxTests", dependencies: ["LDAPSyntax"]),
        .testTarget(name: "AccessTests", dependencies: ["Access"]),
        .testTarget(name: "SetupTests", dependencies: ["Setup", "Config", "Directory", "Secrets", .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1")]),
        .testTarget(name: "LDAPTests", dependencies: ["LDAP", "CLDAP", "LDAPSyntax", "Secrets"]),
        .testTarget(name: "KerberosTests", dependencies: ["Kerberos"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "Directory", "Audit", "PasswordSync", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "AuditTests", dependencies: ["Audit", "Executors", "PasswordSync", "Fakes", "Directory", "SCIM", "Secrets"]),
        .testTarget(name: "RedactionTests", dependencies: ["Redaction", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "PasswordSyncTests", dependencies: ["PasswordSync", "SCIM", "Directory", "Audit", "Secrets", "Fakes"]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Config", "Access", "PasswordSync", "Directory", "Audit", "Secrets", "SCIM", "Fakes",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ]
        ),
        /// Each dialect's pure parts without a server, and (live) the whole directory against real
        /// slapd and Samba AD DC started by scripts/test (fails when they are missing).
        .testTarget(name: "LDAPBackedDirectoryTests", dependencies: [
            "LDAPBackedDirectory", "Directory", "LDAP", "LDAPSyntax", "Secrets", "TestSupport",
        ]),
        /// Live: the built `pwsync serve` over real HTTPS against both directories.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "LDAP", "LDAPSyntax", "Secrets", "Config", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(name: "TestSupport", dependencies: ["LDAP", "LDAPSyntax", "Secrets"], path: "Tests/TestSupport"),
        /// In-memory `Directory` and `AuditSink` for unit tests of pure logic (no libldap).
        .target(name: "Fakes", dependencies: ["Directory", "Audit", "Secrets"], path: "Tests/Fakes"),
    ]
)

for target in package.targets where [.regular, .executable].contains(target.type) && target.path == nil && target.name != "CHardening" {
    target.swiftSettings = (target.swiftSettings ?? []) + strictImports
}

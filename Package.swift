// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Patchbay",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "patchbay", targets: ["patchbay"]),
        .executable(name: "PatchbayBench", targets: ["PatchbayBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        .target(
            name: "PatchbayCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto")
            ]
        ),
        .target(
            name: "PatchbayOpenAPI",
            dependencies: [
                "PatchbayCore",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "PatchbayStorage",
            dependencies: [
                "PatchbayCore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "PatchbayDelivery",
            dependencies: [
                "PatchbayCore",
                "PatchbayStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "PatchbayConnectors",
            dependencies: [
                "PatchbayCore",
                "PatchbayStorage",
                "PatchbayDelivery",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "PatchbayServices",
            dependencies: [
                "PatchbayCore",
                "PatchbayStorage",
                "PatchbayDelivery",
                "PatchbayConnectors",
                "PatchbayOpenAPI",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PatchbayConsole",
            dependencies: [
                "PatchbayCore",
                "PatchbayStorage",
                "PatchbayServices",
                "PatchbayDelivery",
                "PatchbayOpenAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/Templates"), .copy("Resources/Assets")]
        ),
        .target(
            name: "PatchbayHTTP",
            dependencies: [
                "PatchbayServices",
                "PatchbayCore",
                "PatchbayStorage",
                "PatchbayDelivery",
                "PatchbayConnectors",
                "PatchbayOpenAPI",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "PatchbayApp",
            dependencies: [
                "PatchbayCore",
                "PatchbayStorage",
                "PatchbayDelivery",
                "PatchbayConnectors",
                "PatchbayHTTP",
                "PatchbayServices",
                "PatchbayConsole",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "patchbay",
            dependencies: [
                "PatchbayApp",
                "PatchbayConsole",
                "PatchbayConnectors",
                "PatchbayDelivery",
                "PatchbayOpenAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "PatchbayBench",
            dependencies: [
                "PatchbayApp",
                "PatchbayConnectors",
                "PatchbayOpenAPI",
                "PatchbayCore",
                "PatchbayDelivery",
                "PatchbayServices",
                "PatchbayStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "PatchbayFuzzTargets",
            dependencies: ["PatchbayCore", "PatchbayOpenAPI"]
        ),
        .executableTarget(
            name: "PatchbayFuzz",
            dependencies: ["PatchbayFuzzTargets"]
        ),
        .target(
            name: "PatchbayTestSupport",
            dependencies: [
                "PatchbayApp",
                "PatchbayStorage",
                "PatchbayDelivery",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/PatchbayTestSupport"
        ),
        .testTarget(
            name: "PatchbayCoreTests",
            dependencies: ["PatchbayCore", "PatchbayTestSupport"]
        ),
        .testTarget(
            name: "PatchbayStorageTests",
            dependencies: ["PatchbayStorage", "PatchbayTestSupport"]
        ),
        .testTarget(
            name: "PatchbayOpenAPITests",
            dependencies: ["PatchbayOpenAPI", "PatchbayTestSupport"]
        ),
        .testTarget(
            name: "PatchbayDeliveryTests",
            dependencies: [
                "PatchbayDelivery",
                "PatchbayTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "PatchbayHTTPTests",
            dependencies: [
                "PatchbayApp",
                "PatchbayConsole",
                "PatchbayConnectors",
                "PatchbayDelivery",
                "PatchbayTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "PatchbayFuzzTests",
            dependencies: ["PatchbayFuzzTargets", "PatchbayTestSupport"]
        ),
    ]
)

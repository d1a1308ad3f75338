// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "DealFlow",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dealflow", targets: ["dealflow"]),
        .library(name: "DealFlowCore", targets: ["DealFlowCore"]),
        .library(name: "DealFlowYAML", targets: ["DealFlowYAML"]),
        .library(name: "DealFlowEngine", targets: ["DealFlowEngine"]),
        .library(name: "DealFlowSQLite", targets: ["DealFlowSQLite"]),
        .library(name: "DealFlowPostgres", targets: ["DealFlowPostgres"]),
        .library(name: "DealFlowAnalytics", targets: ["DealFlowAnalytics"]),
        .library(name: "DealFlowWebhook", targets: ["DealFlowWebhook"]),
        .library(name: "DealFlowTestKit", targets: ["DealFlowTestKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/JohnSundell/Plot", from: "0.14.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // libyaml itself (Debian: libyaml-dev). We compose nodes ourselves so that every scalar keeps its
        // text, style and position, duplicate keys are all reported, and anchors and tags can be refused.
        .systemLibrary(
            name: "CLibYAML",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        // SQLite's process-wide settings that only its variadic C entry point can change.
        .target(name: "CSQLiteConfig", linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(name: "DealFlowCore"),
        .target(name: "DealFlowYAML", dependencies: ["DealFlowCore", "CLibYAML"]),
        .target(
            name: "DealFlowEngine",
            dependencies: [
                "DealFlowCore", "DealFlowYAML",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .target(name: "DealFlowAnalytics", dependencies: ["DealFlowCore", .product(name: "Plot", package: "Plot")]),
        .target(
            name: "DealFlowSQLite",
            dependencies: [
                "DealFlowCore", "DealFlowEngine", "DealFlowAnalytics", "CSQLiteConfig",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "DealFlowPostgres",
            dependencies: [
                "DealFlowCore", "DealFlowEngine", "DealFlowAnalytics",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Webhook delivery on its own, so that nothing else links an HTTP stack.
        .target(
            name: "DealFlowWebhook",
            dependencies: [
                "DealFlowEngine", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "DealFlowTestKit",
            dependencies: ["DealFlowCore", "DealFlowYAML", "DealFlowEngine", "DealFlowAnalytics"]
        ),
        .executableTarget(
            name: "dealflow",
            dependencies: [
                "DealFlowCore",
                "DealFlowYAML",
                "DealFlowEngine",
                "DealFlowSQLite",
                "DealFlowPostgres",
                "DealFlowAnalytics",
                "DealFlowWebhook",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "DealFlowCoreTests", dependencies: ["DealFlowCore"]),
        .testTarget(name: "DealFlowYAMLTests", dependencies: ["DealFlowCore", "DealFlowYAML"]),
        .testTarget(
            name: "DealFlowAnalyticsTests",
            dependencies: [
                "DealFlowCore", "DealFlowYAML", "DealFlowEngine", "DealFlowSQLite", "DealFlowAnalytics",
                "DealFlowTestKit",
            ]
        ),
        .testTarget(
            name: "DealFlowEngineTests",
            dependencies: [
                "DealFlowCore", "DealFlowYAML", "DealFlowEngine", "DealFlowSQLite", "DealFlowTestKit",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "DealFlowPostgresTests",
            dependencies: [
                "DealFlowCore", "DealFlowYAML", "DealFlowEngine", "DealFlowAnalytics", "DealFlowPostgres",
                "DealFlowTestKit",
            ]
        ),
        .testTarget(
            name: "DealFlowCLITests",
            dependencies: [
                "dealflow", "DealFlowSQLite", "DealFlowTestKit", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}

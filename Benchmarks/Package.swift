// swift-tools-version: 6.1
// The benchmarks live in their own package so that the main build stays fast (as swift-nio does).
// Run them from this folder with: swift package benchmark
import PackageDescription

let package = Package(
    name: "DealFlowBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "DealFlow", path: "../"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "LanguageBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DealFlowCore", package: "DealFlow"),
                .product(name: "DealFlowYAML", package: "DealFlow"),
            ],
            path: "Benchmarks/LanguageBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DealFlowCore", package: "DealFlow"),
                .product(name: "DealFlowYAML", package: "DealFlow"),
                .product(name: "DealFlowEngine", package: "DealFlow"),
                .product(name: "DealFlowSQLite", package: "DealFlow"),
                .product(name: "DealFlowPostgres", package: "DealFlow"),
                .product(name: "DealFlowTestKit", package: "DealFlow"),
            ],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "SchedulerBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DealFlowCore", package: "DealFlow"),
                .product(name: "DealFlowEngine", package: "DealFlow"),
                .product(name: "DealFlowSQLite", package: "DealFlow"),
                .product(name: "DealFlowPostgres", package: "DealFlow"),
                .product(name: "DealFlowTestKit", package: "DealFlow"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Benchmarks/SchedulerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "AnalyticsBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DealFlowCore", package: "DealFlow"),
                .product(name: "DealFlowEngine", package: "DealFlow"),
                .product(name: "DealFlowSQLite", package: "DealFlow"),
                .product(name: "DealFlowPostgres", package: "DealFlow"),
                .product(name: "DealFlowTestKit", package: "DealFlow"),
                .product(name: "DealFlowAnalytics", package: "DealFlow"),
                .product(name: "DealFlowYAML", package: "DealFlow"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Benchmarks/AnalyticsBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)

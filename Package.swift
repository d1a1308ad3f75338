// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "DealFlow",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dealflow", targets: ["dealflow"]),
        .library(name: "DealFlowCore", targets: ["DealFlowCore"]),
        .library(name: "DealFlowYAML", targets: ["DealFlowYAML"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // libyaml itself (Debian: libyaml-dev). We compose nodes ourselves so that every scalar keeps its
        // text, style and position, duplicate keys are all reported, and anchors and tags can be refused.
        .systemLibrary(
            name: "CLibYAML",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        .target(name: "DealFlowCore"),
        .target(name: "DealFlowYAML", dependencies: ["DealFlowCore", "CLibYAML"]),
        .executableTarget(
            name: "dealflow",
            dependencies: [
                "DealFlowCore",
                "DealFlowYAML",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "DealFlowCoreTests", dependencies: ["DealFlowCore"]),
        .testTarget(name: "DealFlowYAMLTests", dependencies: ["DealFlowCore", "DealFlowYAML"]),
        .testTarget(name: "DealFlowCLITests", dependencies: ["dealflow"]),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}

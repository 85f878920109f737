// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "tradectl",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "StrategyRuntime", targets: ["StrategyRuntime"]),
        .executable(name: "tradectl", targets: ["tradectl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CPython", path: "Sources/CPython", pkgConfig: "python3-embed",
                       providers: [.apt(["python3-dev"])]),
        .target(
            name: "StrategyRuntime",
            dependencies: ["CPython", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "tradectl",
            dependencies: [
                "StrategyRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "StrategyRuntimeTests",
            dependencies: ["StrategyRuntime"],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version:6.1
import PackageDescription

/// The CLI and the sandbox worker link Debian's non-PIC static libpython into a non-PIE executable, as
/// /usr/bin/python3.11 itself is built: calls inside CPython then bind directly instead of through
/// the shared library's PLT, which makes strategy code about 10% faster (BENCHMARKS.md). Symbols
/// are exported for extension modules (numpy, pandas). Library users and the tests link the
/// shared libpython3.11 through the CPython module map.
let staticPythonArchive = "/usr/lib/python3.11/config-3.11-x86_64-linux-gnu/libpython3.11.a"
let staticPython: [LinkerSetting] = [
    .unsafeFlags([
        "-Xclang-linker", "-no-pie",
        "-Xlinker", "--whole-archive", "-Xlinker", staticPythonArchive, "-Xlinker", "--no-whole-archive",
        "-Xlinker", "--export-dynamic", "-Xlinker", "--as-needed",
        "-lexpat", "-lz", "-lm", "-lutil", "-ldl",
    ], .when(platforms: [.linux], configuration: .release)),
]

let package = Package(
    name: "tradectl",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "StrategyRuntime", targets: ["StrategyRuntime"]),
        .library(name: "Platform", targets: ["Platform"]),
        .library(name: "PlatformAPI", targets: ["PlatformAPI"]),
        .executable(name: "tradectl", targets: ["tradectl"]),
        .executable(name: "tradectl-sandbox", targets: ["tradectl-sandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
    ],
    targets: [
        .systemLibrary(name: "CPython", path: "Sources/CPython", pkgConfig: "python3-embed",
                       providers: [.apt(["python3-dev"])]),
        .target(name: "CSandbox", cSettings: [.define("_GNU_SOURCE")]),
        .target(
            name: "StrategyRuntime",
            dependencies: ["CPython", "CSandbox", .product(name: "Logging", package: "swift-log"),
                           .product(name: "SwiftCSV", package: "SwiftCSV")]
        ),
        /// The `process` level's worker: confines itself, then serves strategies over its pipes.
        .executableTarget(name: "tradectl-sandbox", dependencies: ["StrategyRuntime", "CSandbox"], linkerSettings: staticPython),
        .systemLibrary(name: "CHiredis", path: "Sources/CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .target(
            name: "Platform",
            dependencies: ["StrategyRuntime", "CHiredis", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "GRDBSQLite", package: "GRDB.swift"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Metrics", package: "swift-metrics"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        .target(
            name: "PlatformAPI",
            dependencies: ["Platform", "StrategyRuntime",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                           .product(name: "JWTKit", package: "jwt-kit"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Metrics", package: "swift-metrics"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "Mustache", package: "swift-mustache")],
            // Embedded into Dashboard/Generated by scripts/embed-dashboard.sh.
            exclude: ["Dashboard/Templates", "Dashboard/Assets"]
        ),
        .executableTarget(
            name: "tradectl",
            dependencies: [
                "StrategyRuntime",
                "Platform",
                "PlatformAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            linkerSettings: staticPython
        ),
        .target(name: "TestSupport", dependencies: ["Platform"], path: "Tests/TestSupport"),
        /// The exchange simulator (test support, never in a product): Binance spot and USDⓈ-M and
        /// CoinDCX on a loopback port, matching with the paper exchange.
        .target(name: "ExchangeSimulator", dependencies: ["Platform", "StrategyRuntime",
                                                          .product(name: "Hummingbird", package: "hummingbird"),
                                                          .product(name: "Crypto", package: "swift-crypto")],
                path: "Tests/ExchangeSimulator"),
        /// The simulator as a process, for `tradectl bench live` and manual runs against ccxt.
        .executableTarget(name: "tradectl-exchange-sim", dependencies: ["ExchangeSimulator", "Platform"],
                          path: "Tests/ExchangeSimulatorServer"),
        .testTarget(
            name: "ExchangeTests",
            dependencies: ["Platform", "StrategyRuntime", "ExchangeSimulator", "TestSupport",
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            exclude: ["CCXT", "Fixtures"]
        ),
        .testTarget(
            name: "PlatformTests",
            dependencies: ["Platform", "StrategyRuntime", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Logging", package: "swift-log")],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "tradectlTests",
            dependencies: ["tradectl", "tradectl-sandbox", "tradectl-exchange-sim", "Platform", "TestSupport"]
        ),
        .testTarget(
            name: "PlatformAPITests",
            dependencies: ["PlatformAPI", "Platform", "TestSupport", "tradectl",
                           .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Prometheus", package: "swift-prometheus")]
        ),
        .testTarget(
            name: "StrategyRuntimeTests",
            dependencies: ["StrategyRuntime", "tradectl-sandbox"],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

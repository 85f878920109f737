// swift-tools-version:6.1
import PackageDescription

// The runtime's micro-benchmarks (ordo-one/benchmark): `swift package benchmark` from this
// directory. The side-by-side comparison with the subprocess baseline and the floor is
// `tradectl bench runtime` in the main package. `InstructionCounts` (make bench-instructions) counts
// instructions per call under valgrind's callgrind. `OrderBenchmarks`: the paper exchange's
// matching and mirroring at 10,000 subscriber books.
let package = Package(
    name: "tradectl-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "RuntimeBenchmarks",
            dependencies: [
                .product(name: "StrategyRuntime", package: "main"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/RuntimeBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        /// Valgrind's client requests (the `valgrind` Debian package's headers).
        .systemLibrary(name: "CCallgrind", path: "Sources/CCallgrind", providers: [.apt(["valgrind"])]),
        /// Instructions per call under callgrind, which count the same on a busy machine.
        .executableTarget(
            name: "InstructionCounts",
            dependencies: [.product(name: "StrategyRuntime", package: "main"), "CCallgrind"],
            path: "Sources/InstructionCounts"
        ),
        .executableTarget(
            name: "OrderBenchmarks",
            dependencies: [
                .product(name: "Platform", package: "main"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/OrderBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

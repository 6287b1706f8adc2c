// swift-tools-version: 6.3
//
// The package-benchmark suite of SpectralConv (ordo-one/benchmark, also known as package-benchmark), a
// package of its own so that the main package's `swift build` / `swift test` never resolve or build it
// and its dependencies (`swift test` builds every target of a package, executables included: with the
// benchmark target in the root package, a clean `swift build --build-tests` compiled package-benchmark,
// swift-system, hdrhistogram, swift-atomics, TextTable and the malloc interposer too).
//
// Run from this folder (see the README's "Benchmarks" section and `make bench`):
//   swift package benchmark                                   # run, print a table per benchmark
//   swift package --allow-writing-to-package-directory benchmark baseline update main
//   swift package benchmark baseline compare main             # this run against the saved baseline
// Add the Makefile's vector flags before the verb for the AVX2/FMA kernels:
//   swift package -Xswiftc -target-cpu -Xswiftc haswell -Xswiftc -DSPECTRALCONV_FMA benchmark
import PackageDescription

let package = Package(
    name: "SpectralConvBenchmarks",
    dependencies: [
        // The SpectralConv package in the folder above (its identity is fixed by `name:`, whatever
        // the checkout's folder is called).
        .package(name: "SpectralConv", path: ".."),
        // ordo-one/benchmark, formerly package-benchmark (same repository and tags; 1.38.1 warns at
        // every run that the legacy 'package-benchmark' URL/identifier will stop being supported).
        // Traits: MallocInterposer gives the malloc counts; the default RuntimeInterposer trait is left
        // off, so its package (swift-runtime-interposer) is neither resolved nor built.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ConvolutionPaths",
            dependencies: [
                .product(name: "SpectralConv", package: "SpectralConv"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "ConvolutionPaths",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)

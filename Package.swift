// swift-tools-version: 6.3
//
// SpectralConv — frequency-domain convolution research toolkit.
//
// Wide vectors: the package itself compiles for the toolchain's baseline CPU (x86-64 with SSE2), so
// a plain `swift build` produces a binary that runs anywhere. `make` (see the Makefile) adds
// `-Xswiftc -target-cpu -Xswiftc <cpu>` when the build machine supports AVX2/FMA, so the hand-written
// SIMD kernels of the direct path get 256-bit FMA code; `make CPU=generic` forces a portable binary.
// FFTW and OpenBLAS choose their SIMD code at run time whatever the flags.
import PackageDescription

let package = Package(
    name: "SpectralConv",
    products: [
        .library(name: "SpectralConv", targets: ["SpectralConv"]),
        .library(name: "SpectralNN", targets: ["SpectralNN"]),
        .library(name: "SpectralAnalysis", targets: ["SpectralAnalysis"]),
        .library(name: "SpectralData", targets: ["SpectralData"]),
        .executable(name: "spectralconv", targets: ["SpectralConvCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFTW",
            pkgConfig: "fftw3f",
            providers: [.apt(["libfftw3-dev"])]
        ),
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "CThreadPlacement"),
        .target(
            name: "SpectralConv",
            dependencies: ["CFFTW", "CBLAS", "CThreadPlacement"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "SpectralNN",
            dependencies: ["SpectralConv", .product(name: "Yams", package: "Yams")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "SpectralAnalysis",
            dependencies: ["SpectralConv", "CPNG"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "SpectralData",
            dependencies: ["SpectralConv", "CZlib"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "SpectralConvCLI",
            dependencies: [
                "SpectralConv",
                "SpectralNN",
                "SpectralAnalysis",
                "SpectralData",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "SpectralTestSupport",
            dependencies: ["SpectralConv"],
            path: "Tests/SpectralTestSupport",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "SpectralConvTests",
            dependencies: [
                "SpectralConv",
                "CThreadPlacement",
                "SpectralTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "SpectralNNTests",
            dependencies: ["SpectralConv", "SpectralNN", "SpectralTestSupport"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "SpectralAnalysisTests",
            dependencies: ["SpectralAnalysis", "SpectralConv", "CPNG"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "SpectralDataTests",
            dependencies: ["SpectralData", "SpectralConv", "CZlib"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)

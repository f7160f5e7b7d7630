// swift-tools-version:6.2
//
// The PoUW node: one package, layers pointing one way (see Docs/ARCHITECTURE.md).
//   C system libraries → one safe wrapper module each → PoUWCore → PoUWStore → domain (chain, ML, economics)
//   → protocol → node → PoUWCommands → thin executables under Tools/.

import PackageDescription

let package = Package(
    name: "pouw",
    products: [
        .executable(name: "pouw", targets: ["pouw"]),
        .executable(name: "pouw-inspect", targets: ["pouw-inspect"]),
        .executable(name: "pouw-bench", targets: ["pouw-bench"]),
        .executable(name: "pouw-replay", targets: ["pouw-replay"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        // MARK: C libraries (found by pkg-config; only the wrapper named next to each may import it)
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),  // PoUWLMDB
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),  // PoUWZstd
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),  // PoUWCrypto

        // MARK: primitives
        .target(name: "PoUWCrypto", dependencies: ["COpenSSL"]),
        .target(name: "PoUWCore", dependencies: ["PoUWCrypto"]),
        .testTarget(name: "PoUWCryptoTests", dependencies: ["PoUWCrypto", "PoUWCore"]),
        .testTarget(name: "PoUWCoreTests", dependencies: ["PoUWCore", "PoUWCrypto"]),

        // MARK: test support (the seeded decoder fuzzer the protocol, node and ML tests share; not a product)
        .target(name: "PoUWFuzzSupport", dependencies: ["PoUWCore"], path: "Tests/PoUWFuzzSupport"),

        // MARK: store (issue 2)
        .target(name: "PoUWLMDB", dependencies: ["CLMDB"]),
        .target(name: "PoUWZstd", dependencies: ["CZstd"]),
        .target(name: "PoUWStore", dependencies: ["PoUWLMDB", "PoUWZstd", "PoUWCore", "PoUWCrypto"]),
        .testTarget(name: "PoUWLMDBTests", dependencies: ["PoUWLMDB"]),
        .testTarget(name: "PoUWZstdTests", dependencies: ["PoUWZstd"]),
        .testTarget(name: "PoUWStoreTests", dependencies: ["PoUWStore", "PoUWCore", "PoUWZstd", "PoUWLMDB"]),

        // MARK: ML engine (issue 4)
        .target(name: "PoUWML", dependencies: ["PoUWCore"]),
        .testTarget(name: "PoUWMLTests", dependencies: ["PoUWML", "PoUWCore", "PoUWFuzzSupport"]),

        // MARK: chain (issue 3)
        .target(name: "PoUWChain", dependencies: ["PoUWCore", "PoUWCrypto", "PoUWStore", "PoUWEconomics"]),
        .testTarget(
            name: "PoUWChainTests",
            dependencies: ["PoUWChain", "PoUWCore", "PoUWCrypto", "PoUWStore", "PoUWEconomics"]
        ),

        // MARK: economics (issue 6)
        .target(name: "PoUWEconomics", dependencies: ["PoUWCore", "PoUWCrypto"]),
        .testTarget(name: "PoUWEconomicsTests", dependencies: ["PoUWEconomics", "PoUWCore", "PoUWCrypto"]),

        // MARK: protocol (issue 5)
        .target(
            name: "PoUWProtocol",
            dependencies: ["PoUWCore", "PoUWCrypto", "PoUWStore", "PoUWChain", "PoUWML", "PoUWEconomics"]
        ),
        .testTarget(
            name: "PoUWProtocolTests",
            dependencies: [
                "PoUWProtocol", "PoUWCore", "PoUWCrypto", "PoUWStore", "PoUWChain", "PoUWML", "PoUWEconomics",
                "PoUWFuzzSupport",
            ]
        ),

        // MARK: node (issue 5)
        .target(
            name: "PoUWNode",
            dependencies: [
                "PoUWCore", "PoUWCrypto", "PoUWStore", "PoUWChain", "PoUWML", "PoUWProtocol", "PoUWEconomics",
            ]
        ),
        .testTarget(
            name: "PoUWNodeTests",
            dependencies: [
                "PoUWNode", "PoUWCore", "PoUWCrypto", "PoUWStore", "PoUWChain", "PoUWML", "PoUWProtocol",
                "PoUWEconomics", "PoUWFuzzSupport",
            ]
        ),

        // MARK: commands and tools
        .target(
            name: "PoUWCommands",
            dependencies: [
                "PoUWCore",
                "PoUWCrypto",
                "PoUWEconomics",
                "PoUWStore",
                "PoUWChain",
                "PoUWLMDB",
                "PoUWML",
                "PoUWProtocol",
                "PoUWNode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "pouw",
            dependencies: ["PoUWCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tools/pouw"
        ),
        .executableTarget(
            name: "pouw-inspect",
            dependencies: ["PoUWCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tools/pouw-inspect"
        ),
        .executableTarget(
            name: "pouw-bench",
            dependencies: ["PoUWCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tools/pouw-bench"
        ),
        .executableTarget(
            name: "pouw-replay",
            dependencies: ["PoUWCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tools/pouw-replay"
        ),
        .testTarget(
            name: "PoUWCommandsTests",
            dependencies: ["PoUWCore", "PoUWCrypto", "pouw", "pouw-inspect", "pouw-bench"]
        ),
    ]
)

// Settings shared by every target we own, as swift-log and hummingbird do.
for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    settings.append(.treatAllWarnings(as: .error))
    target.swiftSettings = settings
}

// swift-tools-version:6.0
import PackageDescription

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "lookout",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Lookout", targets: ["Lookout"]),
        .executable(name: "probe", targets: ["probe"]),
        .executable(name: "classify", targets: ["classify"]),
        .executable(name: "route", targets: ["route"]),
        .executable(name: "report", targets: ["report"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // The WebSocket client (WSClient) that browser checks speak the Chrome DevTools protocol over.
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // multipart/form-data for helpdesk requests that carry a file (a Freshdesk ticket with its screenshot).
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
    ],
    // The layers (docs/architecture.md): every arrow points down this list, and ArchitectureTests keeps it so.
    //   LookoutCore      the event contract, time, the config model and YAML walk, files, SQLite, logging, redaction,
    //                    signed action links
    //   LookoutNATS      nats:// inputs and outputs over NATS JetStream (nats.c)         (Core)
    //   LookoutMetrics   /metrics: check labels, the series registry, the HTTP server   (Core)
    //   LookoutProbe     the runner, the check kinds, the heartbeat receiver            (Core, Metrics)
    //   LookoutClassify  tier policy, confirmation, flapping, quorum, incidents         (Core, Metrics)
    //   LookoutRoute     outbox, dispatcher, sinks                                      (Core, Metrics)
    //   LookoutReport    aggregation and renderers; route's planner and Slack sender    (Core, Route)
    //   LookoutTesting   demo site, loopback servers, manual clock                      (Core)
    //   LookoutCommands  the four commands' options and wiring                          (all of the above)
    //   probe classify route report   one thin @main each                               (Commands)
    targets: [
        // zlib from the system (zlib1g-dev), for reading rotated .gz logs in `report`.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // nats.c 3.4 from the system (libnats-dev), for `nats://` inputs and outputs over JetStream.
        .systemLibrary(name: "CNats", path: "Sources/CNats", pkgConfig: "libnats", providers: [.apt(["libnats-dev"])]),
        .target(name: "LookoutNATS", dependencies: ["LookoutCore", "CNats", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "LookoutCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
                // HMAC-SHA256 for the signed one-tap action links (ActionLink), checked by probe and made by route.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The Prometheus exposition (swift-prometheus) and the small HTTP server classify and route serve it from.
        .target(
            name: "LookoutMetrics",
            dependencies: [
                "LookoutCore",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "LookoutProbe",
            dependencies: [
                "LookoutCore", "LookoutMetrics",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ]
        ),
        .target(name: "LookoutClassify", dependencies: ["LookoutCore", "LookoutMetrics", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(
            name: "LookoutRoute",
            dependencies: [
                "LookoutCore", "LookoutMetrics",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ]
        ),
        .target(name: "LookoutReport", dependencies: ["LookoutCore", "LookoutRoute", "CZlib", .product(name: "GRDB", package: "GRDB.swift")]),
        // Demo and test servers: for tests and `--demo`, never inside a stage.
        .target(
            name: "LookoutTesting",
            dependencies: [
                "LookoutCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // A throwaway CA for the tests' loopback TLS servers.
                .product(name: "X509", package: "swift-certificates"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "LookoutCommands",
            dependencies: [
                "LookoutCore", "LookoutNATS", "LookoutMetrics", "LookoutProbe", "LookoutClassify", "LookoutRoute", "LookoutReport",
                "LookoutTesting", argumentParser,
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // One import for programs that embed the whole pipeline.
        .target(
            name: "Lookout",
            dependencies: ["LookoutCore", "LookoutProbe", "LookoutClassify", "LookoutRoute", "LookoutReport", "LookoutCommands"]
        ),
        .executableTarget(name: "probe", dependencies: ["LookoutCommands"]),
        .executableTarget(name: "classify", dependencies: ["LookoutCommands"]),
        .executableTarget(name: "route", dependencies: ["LookoutCommands"]),
        .executableTarget(name: "report", dependencies: ["LookoutCommands"]),
        .testTarget(
            name: "LookoutTests",
            dependencies: [
                "LookoutCore", "LookoutMetrics", "LookoutNATS", "LookoutProbe", "LookoutClassify", "LookoutRoute", "LookoutReport",
                "LookoutTesting",
                "LookoutCommands",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")]
        ),
        // Depends on the executables so `swift test` builds them before running them as child processes.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["LookoutCore", "LookoutNATS", "LookoutProbe", "LookoutRoute", "LookoutTesting", "LookoutCommands",
                           "probe", "classify", "route", "report",
                           .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           // Reads the multipart forms route sends, with a parser that is not route's serializer.
                           .product(name: "MultipartKit", package: "multipart-kit")]
        ),
    ]
)

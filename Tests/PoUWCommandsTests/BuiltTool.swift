import Foundation
import Testing

/// Runs a built executable of this package (`pouw`, `pouw-bench`, …) as a child process.
///
/// The binary is looked up in `$POUW_BIN_DIR` (set by Tools/dev.sh), then next to the running test bundle (the same
/// build configuration), then `.build/release` and `.build/debug` under the package root.
struct BuiltTool {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    let url: URL

    init(_ name: String) throws {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var candidates: [URL] = []
        if let dir = ProcessInfo.processInfo.environment["POUW_BIN_DIR"], !dir.isEmpty {
            candidates.append(URL(fileURLWithPath: dir))
        }
        candidates.append(Bundle.main.bundleURL)
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        candidates.append(packageRoot.appendingPathComponent(".build/release"))
        candidates.append(packageRoot.appendingPathComponent(".build/debug"))
        let found = candidates.map { $0.appendingPathComponent(name) }.first {
            FileManager.default.isExecutableFile(atPath: $0.path)
        }
        url = try #require(found, "no built \(name) in \(candidates.map(\.path))")
    }

    /// Runs the tool to completion; a run longer than `timeout` seconds is terminated (and fails its test through
    /// a non-zero status).
    func run(_ arguments: [String], timeout: Double = 120) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        defer { watchdog.cancel() }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }
}

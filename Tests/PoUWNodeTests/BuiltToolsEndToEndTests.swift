import Foundation
import Testing

/// Runs the built `pouw demo` and `pouw-replay` binaries on a temporary directory.
@Suite(.serialized) struct BuiltToolsEndToEndTests {
    /// `$POUW_BIN_DIR`, else `.build/release`, else `.build/debug` under the package root.
    static func tool(_ name: String) -> String? {
        var candidates = [String]()
        if let dir = ProcessInfo.processInfo.environment["POUW_BIN_DIR"] { candidates.append(dir + "/" + name) }
        candidates.append(NodeTestSupport.root.appendingPathComponent(".build/release/\(name)").path)
        candidates.append(NodeTestSupport.root.appendingPathComponent(".build/debug/\(name)").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func demoThenReplayChainTaskAndBlockExitZero() throws {
        let pouw = try #require(Self.tool("pouw"), "build the pouw tool first")
        let replay = try #require(Self.tool("pouw-replay"), "build the pouw-replay tool first")
        let directory = try NodeTestSupport.temporaryDirectory("tools") + "/demo"
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let demo = try Self.run(
            pouw,
            ["demo", "--dataset", "digits", "--miners", "2", "--iterations", "40", "--data-dir", directory, "--json"]
        )
        #expect(demo.status == 0)
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(demo.output.utf8)) as? [String: Any]
        )
        let task = try #require(report["task_id"] as? String)
        #expect((report["chain_height"] as? Int ?? 0) >= 2)
        #expect(report["task_result_confirmed"] as? Bool == true)
        #expect((report["best_test_accuracy"] as? Double ?? 0) > 0.5)
        #expect(try Self.run(replay, ["--data-dir", directory, "chain"]).status == 0)
        #expect(try Self.run(replay, ["--data-dir", directory, "task", task]).status == 0)
        let block = try Self.run(replay, ["--data-dir", directory, "block", "1", "--json"])
        #expect(block.status == 0)
        #expect(block.output.contains("\"verdict\":\"valid\""))
        // Usage errors and missing data have their own exit codes.
        #expect(try Self.run(replay, ["--data-dir", directory, "task", "xyz"]).status == 64)
        #expect(try Self.run(replay, ["--data-dir", directory + "/nothing", "chain"]).status == 2)
        #expect(try Self.run(replay, ["--data-dir", directory, "block", "9999"]).status == 2)
    }

    /// `pouw demo --cheaters 1`: the cheater's blocks are refused, it is paid nothing, its stake is slashed, the
    /// supply still balances, and the chain it leaves replays as valid (EVIDENCE re-proven from the archive).
    @Test func demoWithACheaterSlashesItAndStillReplays() throws {
        let pouw = try #require(Self.tool("pouw"), "build the pouw tool first")
        let replay = try #require(Self.tool("pouw-replay"), "build the pouw-replay tool first")
        let inspect = try #require(Self.tool("pouw-inspect"), "build the pouw-inspect tool first")
        let directory = try NodeTestSupport.temporaryDirectory("tools-cheat") + "/demo"
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let demo = try Self.run(
            pouw,
            [
                "demo", "--dataset", "digits", "--miners", "2", "--iterations", "60", "--cheaters", "1",
                "--data-dir", directory, "--json",
            ]
        )
        #expect(demo.status == 0)
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(demo.output.utf8)) as? [String: Any]
        )
        #expect(report["task_result_confirmed"] as? Bool == true)
        #expect(report["cheaters"] as? [String] == ["miner-1"])
        #expect(report["slashed"] as? String != "0 PAI")
        let miners = try #require(report["miners"] as? [[String: Any]])
        let cheater = try #require(miners.first { $0["name"] as? String == "miner-1" })
        #expect(cheater["proven_cheat"] as? Bool == true)
        #expect(cheater["payout"] as? String == "0 PAI")
        let lifecycle = try #require(report["lifecycle"] as? [String: Any])
        #expect(lifecycle["supply_balanced"] as? Bool == true)
        let verification = try #require(report["verification"] as? [[String: Any]])
        #expect(verification.contains { ($0["evidence_sent"] as? Int ?? 0) > 0 })
        #expect(try Self.run(replay, ["--data-dir", directory, "chain"]).status == 0)
        // The archive alone re-proves every EVIDENCE offline. Before session 3's merges (fetch by hash, canonical
        // histories) this failed for some seeds ("unavailable: model state"); since them, seeds 0–40 of this exact
        // run all pass (`pouw demo … --seed N`, then `verify-chain --economic-rules`). Which change fixed it was
        // not isolated, so this stays a strict check.
        let verify = try Self.run(inspect, ["--data-dir", directory, "verify-chain", "--economic-rules"])
        #expect(verify.status == 0, "\(verify.output)")
    }
}

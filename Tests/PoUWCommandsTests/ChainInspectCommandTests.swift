import Foundation
import Testing

/// `pouw-bench make-chain` and the chain views of `pouw-inspect`, run as built binaries on a fresh data directory.
@Suite("pouw-inspect chain commands")
struct ChainInspectCommandTests {
    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
    }

    @Test func buildInspectAndVerifyAChain() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pouw-chain-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bench = try BuiltTool("pouw-bench")
        let inspect = try BuiltTool("pouw-inspect")

        let made = try bench.run(["make-chain", "--data-dir", dir.path, "--blocks", "6", "--transfers", "3", "--json"])
        #expect(made.status == 0, "\(made.stderr)")
        let tip = try json(made.stdout)
        #expect(tip["height"] as? Int == 6)

        let blocks = try inspect.run(["--data-dir", dir.path, "blocks", "--from", "2", "--to", "4", "--json"])
        #expect(blocks.status == 0, "\(blocks.stderr)")
        let list = try #require(try json(blocks.stdout)["blocks"] as? [[String: Any]])
        #expect(list.map { $0["height"] as? Int } == [2, 3, 4])
        #expect(list.allSatisfy { $0["transactions"] as? Int == 4 })

        let block = try inspect.run(["block", "6", "--data-dir", dir.path, "--json"])
        #expect(block.status == 0, "\(block.stderr)")
        let summary = try #require(try json(block.stdout)["summary"] as? [String: Any])
        #expect(summary["id"] as? String == tip["tip"] as? String)
        let txs = try #require(try json(block.stdout)["transactions"] as? [[String: Any]])
        #expect(txs.map { $0["kind"] as? String } == ["COINBASE", "TRANSFER", "TRANSFER", "TRANSFER"])

        let txId = try #require(txs[1]["id"] as? String)
        let tx = try inspect.run(["--data-dir", dir.path, "tx", txId, "--json"])
        #expect(tx.status == 0, "\(tx.stderr)")
        #expect(try json(tx.stdout)["height"] as? Int == 6)

        let accounts = try inspect.run(["--data-dir", dir.path, "accounts", "--json"])
        #expect(accounts.status == 0)
        #expect((try json(accounts.stdout)["accounts"] as? [Any])?.isEmpty == false)

        let supply = try inspect.run(["--data-dir", dir.path, "supply", "--json"])
        #expect(supply.status == 0)
        #expect(try json(supply.stdout)["balanced"] as? Bool == true)

        let verify = try inspect.run(["--data-dir", dir.path, "verify-chain", "--json"])
        #expect(verify.status == 0, "\(verify.stdout)")
        let report = try json(verify.stdout)
        #expect(report["ok"] as? Bool == true && report["blocks"] as? Int == 7 && report["transactions"] as? Int == 18)

        // `verify` checks the store, then re-validates the same chain from genesis.
        let full = try inspect.run(["--data-dir", dir.path, "verify", "--json"])
        #expect(full.status == 0, "\(full.stdout)")
        let fullReport = try json(full.stdout)
        let chainPart = fullReport["chain"] as? [String: Any]
        #expect(fullReport["ok"] as? Bool == true && fullReport["store"] != nil)
        #expect(chainPart?["ok"] as? Bool == true && chainPart?["blocks"] as? Int == 7)
        let storeOnly = try json(try inspect.run(["--data-dir", dir.path, "verify", "--no-chain", "--json"]).stdout)
        #expect(storeOnly["chain"] == nil)

        // Bad input: unknown ids and heights are named errors with a non-zero exit.
        let missing = try inspect.run(["--data-dir", dir.path, "tx", String(repeating: "ab", count: 32)])
        #expect(missing.status != 0 && missing.stderr.contains("not found"))
        let badHeight = try inspect.run(["--data-dir", dir.path, "block", "99"])
        #expect(badHeight.status != 0 && badHeight.stderr.contains("not found"))
        let noChain = try inspect.run(["--data-dir", dir.appendingPathComponent("nothing").path, "supply"])
        #expect(noChain.status != 0)
    }
}

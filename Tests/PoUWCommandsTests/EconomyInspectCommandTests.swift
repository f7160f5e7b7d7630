import Foundation
import Testing

/// `pouw-bench make-chain --economy` and the economic views of `pouw-inspect`, run as built binaries.
@Suite("pouw-inspect tickets and stakes")
struct EconomyInspectCommandTests {
    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
    }

    @Test func ticketsStakesSupplyAndEconomicReplay() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pouw-econ-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bench = try BuiltTool("pouw-bench")
        let inspect = try BuiltTool("pouw-inspect")
        let made = try bench.run([
            "make-chain", "--data-dir", dir.path, "--blocks", "2", "--transfers", "1", "--economy",
        ])
        #expect(made.status == 0, "\(made.stderr)")

        let tickets = try inspect.run(["--data-dir", dir.path, "tickets", "--json"])
        #expect(tickets.status == 0, "\(tickets.stderr)")
        let pool = try json(tickets.stdout)
        #expect(pool["pool"] as? Int == 5 && pool["price"] as? Int == 20_000_000)
        let rows = try #require(pool["tickets"] as? [[String: Any]])
        // Miner, supervisor and evaluator seats are used; the verifier ticket, drawn per block, stays live.
        #expect(rows.filter { $0["status"] as? String == "used" }.count == 3)
        #expect(rows.filter { $0["role"] as? String == "verifier" }.map { $0["status"] as? String } == ["live"])
        #expect(rows.allSatisfy { ($0["expiry"] as? Int ?? 0) == ($0["bought"] as? Int ?? -1) + 8 + 4096 })

        let miners = try inspect.run(["--data-dir", dir.path, "tickets", "--role", "miner", "--json"])
        let minerRows = try #require(try json(miners.stdout)["tickets"] as? [[String: Any]])
        #expect(minerRows.count == 2 && minerRows.allSatisfy { $0["role"] as? String == "miner" })
        let badRole = try inspect.run(["--data-dir", dir.path, "tickets", "--role", "boss"])
        #expect(badRole.status != 0 && badRole.stderr.contains("unknown role"))

        let stakes = try inspect.run(["--data-dir", dir.path, "stakes", "--json"])
        #expect(stakes.status == 0, "\(stakes.stdout)")
        let s = try json(stakes.stdout)
        #expect(s["consistent"] as? Bool == true && s["totalLocked"] as? Int == 120_000_000)

        let supply = try inspect.run(["--data-dir", dir.path, "supply", "--json"])
        #expect(supply.status == 0)
        #expect(try json(supply.stdout)["balanced"] as? Bool == true)

        let verify = try inspect.run(["--data-dir", dir.path, "verify-chain", "--economic-rules", "--json"])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(try json(verify.stdout)["ok"] as? Bool == true)
    }
}

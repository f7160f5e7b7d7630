import Foundation
import PoUWEconomics
import Testing

@Suite("Miner profitability simulator")
struct SimulatorTests {
    func report() throws -> SimulationReport { try SimulationReport.run(PaperScenarios.config()) }

    func roi(_ report: SimulationReport, _ name: String) throws -> Double {
        try #require(report.scenarios.first { $0.name == name }).result.roiPercent
    }

    @Test("the shipped fixture is the built-in config")
    func fixtureMatches() throws {
        let path = packageRoot() + "/Fixtures/economics/paper_scenarios.json"
        let data = try #require(FileManager.default.contents(atPath: path))
        #expect(try SimulationConfig.decode(json: Array(data)) == PaperScenarios.config())
    }

    @Test("paper: ROI ≈ 200–530 % at $0.04/kWh (block rewards only … all iterations paid)")
    func electricityRange() throws {
        let r = try report()
        let low = try roi(r, "electricity-0.04-no-paid-tasks")
        let high = try roi(r, "electricity-0.04-all-paid")
        #expect(low > 185 && low < 225, "\(low)")
        #expect(high > 500 && high < 560, "\(high)")
    }

    @Test("paper: ROI ≈ 265 % at $2k hardware falling to ≈ 55 % at $10k")
    func hardwareRange() throws {
        let r = try report()
        let sweep = try ["hardware-2k", "hardware-4k", "hardware-6k", "hardware-8k", "hardware-10k"].map {
            try roi(r, $0)
        }
        #expect(sweep[0] > 250 && sweep[0] < 280, "\(sweep[0])")
        #expect(sweep[4] > 45 && sweep[4] < 65, "\(sweep[4])")
        #expect(zip(sweep, sweep.dropFirst()).allSatisfy { $0 > $1 }, "ROI falls as hardware cost rises: \(sweep)")
    }

    @Test("paper: sensitivity ranking electricity > coin reward > network size > paid participants > client fee")
    func ranking() throws {
        #expect(
            try report().ranking == ["electricity", "coin reward", "network size", "paid participants", "client fee"]
        )
    }

    @Test("the model follows its formula: hand-computed ROI for a simple case")
    func formula() throws {
        let inputs = MinerInputs(
            hardwareCostUSD: 1000,
            hardwarePowerKW: 1,
            hardwareThroughput: 1,
            electricityUSDPerKWh: 0.1,
            coinPriceUSD: 1,
            blockRewardPAI: 10,
            blocksPerDay: 100,
            networkSize: 100,
            networkGrowthPerYear: 0,
            paidTaskShare: 0.5,
            clientFeePAIPerTaskHour: 10,
            paidParticipantsPerTask: 5,
            supervisorEvaluatorQuota: 0.1,
            uptime: 1,
            horizonDays: 100
        )
        // Per day: blocks 10, fees 24 × 0.5 × 10 × 0.9 / 5 = 21.6, power 2.4 → net 29.2; 100 days → 2920.
        let result = try ProfitabilityModel.run(inputs)
        #expect(abs(result.profitUSD - 2920) < 1e-6)
        #expect(abs(result.roiPercent - 192) < 1e-6)
        #expect(result.paybackDay == 35)  // 34 × 29.2 = 992.8 < 1000 ≤ 35 × 29.2
        #expect(result.monthlyPositionUSD.count == 3)
        // Network growth lowers block income over time.
        var growing = inputs
        growing.networkGrowthPerYear = 1
        #expect(try ProfitabilityModel.run(growing).roiPercent < result.roiPercent)
    }

    @Test("bad configs are named errors")
    func errors() throws {
        var config = try PaperScenarios.config()
        config.scenarios[0].overrides["gpuCount"] = 2
        #expect(throws: SimulationError.unknownInput("gpuCount")) { try config.validate() }
        config = try PaperScenarios.config()
        config.base.networkSize = 0
        #expect(throws: SimulationError.invalidInput("networkSize", "must be positive")) { try config.validate() }
        config = try PaperScenarios.config()
        config.sensitivity[0].relative = 0.1
        #expect(throws: SimulationError.self) { try config.validate() }
        #expect(throws: (any Error).self) { try SimulationConfig.decode(json: Array("{}".utf8)) }
    }
}

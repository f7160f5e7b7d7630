/// The shipped simulation config, identical to `Fixtures/economics/paper_scenarios.json` (a test checks they
/// decode to the same value). `pouw economics simulate` uses it when no `--config` is given.
public enum PaperScenarios {
    /// The JSON text.
    public static let json = #"""
        {
          "description": "Lihu et al. (arXiv:2001.09244) ROI scenarios; inputs assumed, see Docs/economics.md",
          "base": {
            "hardwareCostUSD": 2000,
            "hardwarePowerKW": 0.8,
            "hardwareThroughput": 1.0,
            "electricityUSDPerKWh": 0.04,
            "coinPriceUSD": 0.03,
            "blockRewardPAI": 600,
            "blocksPerDay": 144,
            "networkSize": 270,
            "networkGrowthPerYear": 0,
            "paidTaskShare": 0.19,
            "clientFeePAIPerTaskHour": 140,
            "paidParticipantsPerTask": 10,
            "supervisorEvaluatorQuota": 0.1,
            "uptime": 0.95,
            "horizonDays": 730
          },
          "scenarios": [
            {
              "name": "electricity-0.04-no-paid-tasks",
              "description": "$0.04/kWh, $2k rig, block rewards only (no paid tasks)",
              "overrides": { "electricityUSDPerKWh": 0.04, "paidTaskShare": 0 },
              "paperROIPercent": 200
            },
            {
              "name": "electricity-0.04-all-paid",
              "description": "$0.04/kWh, $2k rig, every iteration on a paid task",
              "overrides": { "electricityUSDPerKWh": 0.04, "paidTaskShare": 1 },
              "paperROIPercent": 530
            },
            {
              "name": "hardware-2k",
              "description": "$2k consumer rig (2 GPUs, 0.8 kW, throughput 1.0) at base inputs",
              "overrides": { "hardwareCostUSD": 2000, "hardwarePowerKW": 0.8, "hardwareThroughput": 1.0 },
              "paperROIPercent": 265
            },
            {
              "name": "hardware-4k",
              "description": "$4k rig (0.85 kW, throughput 1.45)",
              "overrides": { "hardwareCostUSD": 4000, "hardwarePowerKW": 0.85, "hardwareThroughput": 1.45 }
            },
            {
              "name": "hardware-6k",
              "description": "$6k rig (0.9 kW, throughput 1.7)",
              "overrides": { "hardwareCostUSD": 6000, "hardwarePowerKW": 0.9, "hardwareThroughput": 1.7 }
            },
            {
              "name": "hardware-8k",
              "description": "$8k rig (0.95 kW, throughput 1.9)",
              "overrides": { "hardwareCostUSD": 8000, "hardwarePowerKW": 0.95, "hardwareThroughput": 1.9 }
            },
            {
              "name": "hardware-10k",
              "description": "$10k data-centre GPU workstation (1.0 kW, throughput 2.05)",
              "overrides": { "hardwareCostUSD": 10000, "hardwarePowerKW": 1.0, "hardwareThroughput": 2.05 },
              "paperROIPercent": 55
            }
          ],
          "sensitivity": [
            { "label": "electricity", "input": "electricityUSDPerKWh", "low": 0.02, "high": 0.30 },
            { "label": "coin reward", "input": "coinPriceUSD", "relative": 0.2 },
            { "label": "network size", "input": "networkSize", "relative": 0.2 },
            { "label": "paid participants", "input": "paidParticipantsPerTask", "relative": 0.2 },
            { "label": "client fee", "input": "clientFeePAIPerTaskHour", "relative": 0.2 }
          ]
        }
        """#

    /// The decoded config.
    public static func config() throws -> SimulationConfig {
        try SimulationConfig.decode(json: Array(json.utf8))
    }
}

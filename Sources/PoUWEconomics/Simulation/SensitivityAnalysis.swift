/// One input's swing in a one-at-a-time sensitivity analysis.
public struct SensitivityEntry: Sendable, Hashable, Codable {
    public let label: String
    public let input: String
    public let lowValue: Double
    public let highValue: Double
    public let roiAtLowPercent: Double
    public let roiAtHighPercent: Double
    /// `|ROI(high) − ROI(low)|`, percentage points: what the ranking sorts by.
    public let swingPoints: Double
}

/// One-at-a-time perturbation: every other input stays at base while one moves across its range; inputs are
/// ranked by the resulting ROI swing, largest first (a tornado chart in numbers).
public enum SensitivityAnalysis {
    public static func rank(
        base: MinerInputs,
        ranges: [SimulationConfig.SensitivityRange]
    ) throws(SimulationError)
        -> [SensitivityEntry]
    {
        var entries: [SensitivityEntry] = []
        for range in ranges {
            let center = try base.value(of: range.input)
            let low = range.low ?? center * (1 - (range.relative ?? 0))
            let high = range.high ?? center * (1 + (range.relative ?? 0))
            let roiLow = try ProfitabilityModel.run(base.setting(range.input, to: low)).roiPercent
            let roiHigh = try ProfitabilityModel.run(base.setting(range.input, to: high)).roiPercent
            entries.append(
                SensitivityEntry(
                    label: range.label,
                    input: range.input,
                    lowValue: low,
                    highValue: high,
                    roiAtLowPercent: roiLow,
                    roiAtHighPercent: roiHigh,
                    swingPoints: abs(roiHigh - roiLow)
                )
            )
        }
        return entries.sorted {
            $0.swingPoints != $1.swingPoints ? $0.swingPoints > $1.swingPoints : $0.label < $1.label
        }
    }
}

/// Everything `pouw economics simulate` reports.
public struct SimulationReport: Sendable, Hashable, Codable {
    public struct ScenarioResult: Sendable, Hashable, Codable {
        public let name: String
        public let description: String
        public let paperROIPercent: Double?
        public let inputs: MinerInputs
        public let result: ProfitabilityResult
    }

    public let description: String
    public let scenarios: [ScenarioResult]
    public let base: ProfitabilityResult
    public let sensitivity: [SensitivityEntry]

    /// The sensitivity labels, most influential first.
    public var ranking: [String] { sensitivity.map(\.label) }

    public static func run(_ config: SimulationConfig) throws(SimulationError) -> SimulationReport {
        try config.validate()
        var scenarios: [ScenarioResult] = []
        for scenario in config.scenarios {
            let inputs = try config.inputs(for: scenario)
            scenarios.append(
                ScenarioResult(
                    name: scenario.name,
                    description: scenario.description,
                    paperROIPercent: scenario.paperROIPercent,
                    inputs: inputs,
                    result: try ProfitabilityModel.run(inputs)
                )
            )
        }
        return SimulationReport(
            description: config.description,
            scenarios: scenarios,
            base: try ProfitabilityModel.run(config.base),
            sensitivity: try SensitivityAnalysis.rank(base: config.base, ranges: config.sensitivity)
        )
    }
}

import Foundation

/// A simulation file (`Fixtures/economics/paper_scenarios.json` is the one shipped): the base inputs, named
/// scenarios that override some of them, and the ranges of the one-at-a-time sensitivity analysis.
public struct SimulationConfig: Sendable, Hashable, Codable {
    public struct Scenario: Sendable, Hashable, Codable {
        public var name: String
        public var description: String
        /// Input name → value, applied on top of `base`.
        public var overrides: [String: Double]
        /// The figure the paper reports for this scenario, when it reports one (shown next to ours).
        public var paperROIPercent: Double?
    }

    /// One input's plausible range: absolute `low`/`high`, or `relative` (0.2 = base ± 20 %).
    public struct SensitivityRange: Sendable, Hashable, Codable {
        public var label: String
        public var input: String
        public var low: Double?
        public var high: Double?
        public var relative: Double?
    }

    public var description: String
    public var base: MinerInputs
    public var scenarios: [Scenario]
    public var sensitivity: [SensitivityRange]

    /// Decodes and checks a config: every override and range names a known input, ranges are well formed,
    /// every scenario's inputs validate.
    public static func decode(json: [UInt8]) throws -> SimulationConfig {
        let config = try JSONDecoder().decode(SimulationConfig.self, from: Data(json))
        try config.validate()
        return config
    }

    public func validate() throws(SimulationError) {
        try base.validate()
        for scenario in scenarios { _ = try inputs(for: scenario) }
        for range in sensitivity {
            _ = try base.value(of: range.input)
            let absolute = range.low != nil && range.high != nil && range.relative == nil
            let relative = range.low == nil && range.high == nil && range.relative != nil
            guard absolute || relative else {
                throw .invalidConfig("sensitivity '\(range.label)': give either low and high, or relative")
            }
        }
    }

    /// `base` with `scenario`'s overrides applied and validated.
    public func inputs(for scenario: Scenario) throws(SimulationError) -> MinerInputs {
        var inputs = base
        for name in scenario.overrides.keys.sorted() {
            inputs = try inputs.setting(name, to: scenario.overrides[name] ?? 0)
        }
        try inputs.validate()
        return inputs
    }
}

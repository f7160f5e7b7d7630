import Foundation

/// One miner's money over time. Formulas (per day d, all USD):
///
///     N(d)     = networkSize × (1 + networkGrowthPerYear)^(d / 365)
///     blocks   = uptime × coinPriceUSD × blocksPerDay × blockRewardPAI × hardwareThroughput / N(d)
///     fees     = uptime × 24 × paidTaskShare × coinPriceUSD × clientFeePAIPerTaskHour
///                × (1 − supervisorEvaluatorQuota) × hardwareThroughput / paidParticipantsPerTask
///     power    = uptime × 24 × hardwarePowerKW × electricityUSDPerKWh
///     net(d)   = blocks + fees − power
///     profit   = Σ_{d < horizonDays} net(d)
///     ROI %    = 100 × (profit − hardwareCostUSD) / hardwareCostUSD
///
/// Block revenue is the miner's throughput share of the subsidy (PoUW mines blocks from every iteration, paid
/// or filler); fees are extra income while on paid tasks, shared among the task's participants.
public struct ProfitabilityResult: Sendable, Hashable, Codable {
    public let roiPercent: Double
    public let profitUSD: Double
    /// Averages over the horizon, USD per day.
    public let blockRevenuePerDayUSD: Double
    public let feeRevenuePerDayUSD: Double
    public let electricityPerDayUSD: Double
    /// First day the cumulative net covers the hardware, `nil` if never within the horizon.
    public let paybackDay: Int?
    /// Cumulative net minus hardware cost at the end of every 30-day month.
    public let monthlyPositionUSD: [Double]
}

/// Runs the model above for one set of inputs.
public enum ProfitabilityModel {
    public static func run(_ inputs: MinerInputs) throws(SimulationError) -> ProfitabilityResult {
        try inputs.validate()
        let days = Int(inputs.horizonDays.rounded(.down))
        guard days >= 1 else { throw .invalidInput("horizonDays", "must be at least 1") }
        let perDayFees =
            inputs.uptime * 24 * inputs.paidTaskShare * inputs.coinPriceUSD * inputs.clientFeePAIPerTaskHour
            * (1 - inputs.supervisorEvaluatorQuota) * inputs.hardwareThroughput / inputs.paidParticipantsPerTask
        let perDayPower = inputs.uptime * 24 * inputs.hardwarePowerKW * inputs.electricityUSDPerKWh
        var blockTotal = 0.0
        var cumulative = 0.0
        var payback: Int?
        var monthly: [Double] = []
        for day in 0..<days {
            let network = inputs.networkSize * Foundation.pow(1 + inputs.networkGrowthPerYear, Double(day) / 365)
            let blocks =
                inputs.uptime * inputs.coinPriceUSD * inputs.blocksPerDay * inputs.blockRewardPAI
                * inputs.hardwareThroughput / network
            blockTotal += blocks
            cumulative += blocks + perDayFees - perDayPower
            if payback == nil && cumulative >= inputs.hardwareCostUSD { payback = day + 1 }
            if (day + 1) % 30 == 0 { monthly.append(cumulative - inputs.hardwareCostUSD) }
        }
        return ProfitabilityResult(
            roiPercent: 100 * (cumulative - inputs.hardwareCostUSD) / inputs.hardwareCostUSD,
            profitUSD: cumulative,
            blockRevenuePerDayUSD: blockTotal / Double(days),
            feeRevenuePerDayUSD: perDayFees,
            electricityPerDayUSD: perDayPower,
            paybackDay: payback,
            monthlyPositionUSD: monthly
        )
    }
}

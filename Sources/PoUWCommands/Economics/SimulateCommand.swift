import ArgumentParser
import Foundation
import PoUWEconomics

/// `pouw economics simulate`: runs the miner profitability model on the paper's scenarios (or a config file)
/// and prints each scenario's ROI next to the paper's figure, plus the sensitivity ranking.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Model a miner's profitability over time and rank what it is most sensitive to.",
        discussion: """
            ROI over the horizon comes from hardware cost, power draw, electricity price, coin price and block \
            reward, network size, the share of time on paid tasks and the client fee (formulas in \
            Docs/economics.md). Without --config the built-in copy of Fixtures/economics/paper_scenarios.json \
            is used: inputs we assumed so that the paper's scenarios can be compared (Lihu et al., \
            arXiv:2001.09244: ROI ≈ 200–530 % at $0.04/kWh; ≈ 265 % at $2k hardware falling to ≈ 55 % at \
            $10k). The sensitivity analysis moves one input at a time across its range and ranks inputs by \
            the ROI swing.

            Examples:
              pouw economics simulate
              pouw economics simulate --config my_rig.json --json | jq '.sensitivity[0]'
            """
    )

    @Option(name: .long, help: "A simulation config (JSON, same shape as Fixtures/economics/paper_scenarios.json).")
    var config: String?

    @Flag(name: .long, help: "Print one JSON object instead of tables.")
    var json = false

    func run() async throws {
        let simulation: SimulationConfig
        if let path = config {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SimulateFailure("cannot read config file '\(path)'")
            }
            do {
                simulation = try SimulationConfig.decode(json: Array(data))
            } catch let error as SimulationError {
                throw SimulateFailure("\(path): \(error)")
            } catch {
                throw SimulateFailure("\(path): not a valid simulation config (\(error))")
            }
        } else {
            simulation = try PaperScenarios.config()
        }
        let report: SimulationReport
        do {
            report = try SimulationReport.run(simulation)
        } catch {
            throw SimulateFailure("\(error)")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(Self.render(report))
        }
    }

    static func render(_ report: SimulationReport) -> String {
        var out = report.description + "\n\n"
        out += pad("scenario", 32) + pad("ROI", 10) + pad("paper", 9) + pad("payback", 10) + "net/day\n"
        for s in report.scenarios {
            let r = s.result
            let net = r.blockRevenuePerDayUSD + r.feeRevenuePerDayUSD - r.electricityPerDayUSD
            out += pad(s.name, 32) + pad(percent(r.roiPercent), 10)
            out += pad(s.paperROIPercent.map { "≈" + percent($0) } ?? "—", 9)
            out += pad(r.paybackDay.map { "day \($0)" } ?? "never", 10) + "$" + fixed(net, 2) + "\n"
        }
        out += "\nSensitivity (one input at a time across its range; ranked by ROI swing):\n"
        for (rank, entry) in report.sensitivity.enumerated() {
            out += "  \(rank + 1). " + pad(entry.label, 20) + pad(fixed(entry.swingPoints, 1) + " pts", 12)
            out += "\(entry.input) \(fixed(entry.lowValue, 4))…\(fixed(entry.highValue, 4)): "
            out += "ROI \(percent(entry.roiAtLowPercent)) … \(percent(entry.roiAtHighPercent))\n"
        }
        out += "\nRanking: " + report.ranking.joined(separator: " > ")
        return out
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    private static func fixed(_ value: Double, _ places: Int) -> String { String(format: "%.\(places)f", value) }

    private static func percent(_ value: Double) -> String { fixed(value, 1) + " %" }
}

/// A simulation that could not run; ArgumentParser prints the message and exits non-zero.
struct SimulateFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}

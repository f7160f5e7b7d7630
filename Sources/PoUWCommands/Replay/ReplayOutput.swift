import ArgumentParser
import Foundation
import PoUWNode

/// The `pouw-replay --json` report and the exit status rule shared by the replay subcommands.
struct ReplayReport: Encodable {
    var target: String
    var dataDirectory: String
    var verdict: String
    var items: [ItemVerdict]
    var seconds: Double
    var itemsPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case target, verdict, items, seconds
        case dataDirectory = "data_dir"
        case itemsPerSecond = "items_per_s"
    }

    /// The overall verdict: invalid if any item is, else unavailable if any is, else valid (and valid if empty).
    static func overall(_ items: [ItemVerdict]) -> String {
        if items.contains(where: { $0.verdict == "invalid" }) { return "invalid" }
        if items.contains(where: { $0.verdict == "unavailable" }) { return "unavailable" }
        return "valid"
    }

    static func exitCode(_ verdict: String) -> ExitCode {
        switch verdict {
        case "valid": .success
        case "invalid": ExitCode(1)
        default: ExitCode(2)
        }
    }

    /// Prints the report (JSON or lines) and returns the exit status.
    static func finish(
        target: String,
        directory: String,
        items: [ItemVerdict],
        seconds: Double,
        json: Bool
    ) throws
        -> ExitCode
    {
        let verdict = overall(items)
        let report = ReplayReport(
            target: target,
            dataDirectory: directory,
            verdict: verdict,
            items: items,
            seconds: seconds,
            itemsPerSecond: seconds > 0 ? Double(items.count) / seconds : 0
        )
        if json {
            try JSONOutput.print(report)
        } else {
            for item in items where item.verdict != "valid" || items.count <= 20 {
                let height = item.height.map { "height \($0) " } ?? ""
                print(
                    "\(item.kind) \(height)\(item.id.prefix(16)): \(item.verdict)\(item.detail.map { " — \($0)" } ?? "")"
                )
            }
            print(
                String(
                    format: "%@: %@ (%d item(s) in %.3f s, %.1f/s)",
                    target as NSString,
                    verdict as NSString,
                    items.count,
                    seconds,
                    report.itemsPerSecond
                )
            )
        }
        return exitCode(verdict)
    }

    /// Opens the data directory, or prints why not and returns exit status 2.
    static func open(_ path: String) throws -> StoredData {
        do { return try StoredData(path: path) } catch {
            writeStandardError("pouw-replay: \(error)\n")
            throw ExitCode(2)
        }
    }
}

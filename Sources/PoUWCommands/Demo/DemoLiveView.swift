import Foundation
import PoUWChain
import PoUWNode

#if canImport(Glibc)
import Glibc
#endif

/// The demo's live view: on a terminal, a block of lines redrawn twice a second (per miner: epoch, iterations,
/// loss, training accuracy, blocks mined; then chain height, verifications and rejections); otherwise one
/// summary line every ten seconds. Everything goes to stderr, so stdout holds only the final table or JSON.
final class DemoLiveView {
    private let enabled: Bool
    private let terminal = isatty(2) != 0
    private var lastDraw = Date.distantPast
    private var drawnLines = 0

    init(enabled: Bool) { self.enabled = enabled }

    func say(_ line: String) {
        guard enabled else { return }
        write(line + "\n")
    }

    func update(_ network: LocalNetwork, elapsed: Double) {
        guard enabled else { return }
        let interval = terminal ? 0.5 : 10
        guard Date().timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = Date()
        var lines = [String]()
        lines.append(String(format: "t=%5.1fs  round %d", elapsed, network.rounds))
        lines.append("  miner        epoch  iters     loss  train acc  blocks")
        for miner in network.miners {
            guard let state = miner.miner else { continue }
            lines.append(
                "  " + DemoSummary.pad(miner.name, 11)
                    + String(
                        format: " %6d %6d %8.4f %9.1f%% %7d",
                        state.epoch + 1,
                        state.sequence,
                        state.lastLoss,
                        100 * state.lastAccuracy,
                        miner.minedBlocks.count
                    )
            )
        }
        let stats = network.nodes.map(\.statistics)
        let height = network.archive.chain.tip.height
        lines.append(
            "  chain height \(height)  verified \(stats.map(\.blocksAccepted).reduce(0, +))  "
                + "invalid \(stats.map(\.blocksInvalid).reduce(0, +))  "
                + "unavailable \(stats.map(\.blocksUnavailable).reduce(0, +))  "
                + "messages refused \(stats.map(\.messagesRejected).reduce(0, +))"
        )
        if terminal {
            var text = drawnLines > 0 ? "\u{1B}[\(drawnLines)A" : ""
            for line in lines { text += "\r\u{1B}[K" + line + "\n" }
            write(text)
            drawnLines = lines.count
        } else {
            write(lines.joined(separator: "\n") + "\n")
        }
    }

    func finishLive() { drawnLines = 0 }

    private func write(_ text: String) {
        writeStandardError(text)
    }
}

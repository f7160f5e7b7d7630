internal import ArgumentParser
internal import Foundation
internal import PoUWCore
internal import PoUWStore

/// `pouw-bench append-loop` (hidden): the crash test's child. Appends records forever and reports each
/// committed sequence number on the ack file after its commit returned.
struct BenchAppendLoopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append-loop",
        abstract: "Append records until killed, acknowledging each commit (used by the crash tests).",
        discussion: """
            Record i is message `AppendLoop.record(i)` appended to the history of task SHA-256("append-loop"); \
            every 16th commit also stores a 64 KiB dense tensor. After each commit returns, "i\\n" is appended to \
            the ack file. The map starts small so that it grows during the run, and the object index merges \
            every 32 new objects (not 16,384) so that kills land in merges too.
            """,
        shouldDisplay: false
    )

    @OptionGroup var data: DataDirOptions
    @Option(help: "File that receives one committed sequence number per line.") var ack: String
    @Option(help: "Stop after this many records (default: run until killed).") var count: Int?
    @Option(help: "Initial map size in bytes.") var initialMapBytes: Int = 256 << 10
    @Option(help: "The store's index merge threshold (StoreOptions.indexMergeThreshold).") var mergeThreshold = 32

    func run() throws {
        let store = try Store.open(
            at: data.dataDir,
            options: StoreOptions(
                initialMapSize: initialMapBytes,
                autoTrainThreshold: nil,
                indexMergeThreshold: mergeThreshold
            )
        )
        let task = AppendLoop.task
        var next = try store.read { try $0.historyCount(task: task) }
        let fd = open(ack, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw CommandFailure("cannot open \(ack)") }
        defer { close(fd) }
        let end = count.map { next + UInt64($0) } ?? .max
        while next < end {
            let record = AppendLoop.record(next)
            let sequence = try store.write { batch -> UInt64 in
                let hash = try batch.put(.message, record)
                if next % 16 == 0 {
                    try batch.put(.denseTensor, AppendLoop.tensor(next))
                }
                return try batch.appendHistory(task: task, messageHash: hash)
            }
            guard sequence == next else { throw CommandFailure("history sequence \(sequence), expected \(next)") }
            let line = Array("\(sequence)\n".utf8)
            guard line.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == line.count else {
                throw CommandFailure("cannot write \(ack)")
            }
            next += 1
        }
    }
}

/// The records of `append-loop` (the crash tests rebuild them to check what survived).
enum AppendLoop {
    static let task = Hash256.sha256(Array("append-loop".utf8))

    /// "append-loop record i" followed by 200 + (i·97 mod 2800) bytes, byte j = (i·31 + j·7) mod 256.
    static func record(_ i: UInt64) -> [UInt8] {
        let padding = 200 + Int(i &* 97 % 2800)
        return Array("append-loop record \(i)".utf8)
            + (0..<padding).map { UInt8(truncatingIfNeeded: i &* 31 &+ UInt64($0) &* 7) }
    }

    /// 64 KiB of float32 values i + k/1000.
    static func tensor(_ i: UInt64) -> [UInt8] {
        StoreBenchData.bytes((0..<16384).map { Float(i) + Float($0) / 1000 })
    }
}

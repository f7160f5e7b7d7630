#if canImport(Glibc)
internal import Glibc
#endif

/// A one-line progress display on stderr, shown only when stderr is a terminal (and throttled).
final class TerminalProgress {
    private let enabled: Bool
    private var lastDraw: UInt64 = 0
    private var drewSomething = false

    init(enabled: Bool = isatty(2) != 0) {
        self.enabled = enabled
    }

    func update(_ label: String, done: Int, total: Int) {
        guard enabled else { return }
        let now = Self.nanoseconds()
        guard now - lastDraw > 100_000_000 || done == total else { return }
        lastDraw = now
        let percent = total > 0 ? " \(min(100, done * 100 / total))%" : ""
        let total = total > 0 ? "/\(total)" : ""
        Self.writeError("\r\u{1B}[K\(label): \(done)\(total)\(percent)")
        drewSomething = true
    }

    func finish() {
        guard enabled, drewSomething else { return }
        Self.writeError("\r\u{1B}[K")
    }

    private static func writeError(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

/// Failure of a command whose message has already been composed; exits non-zero.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

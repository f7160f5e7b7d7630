import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the system's `openssl speed` as a child process and parses its figures, for benchmarks that report
/// "ours next to OpenSSL's, same machine, same moment" (`pouw-bench crypto`, and `pouw-bench chain` may reuse it).
///
/// `openssl speed` times itself with SIGALRM. Threads of a Swift process block most signals and a child inherits
/// the blocked mask, so a child started with Foundation's `Process` never sees its alarm and runs forever; this
/// spawns it with `posix_spawn`, an empty signal mask and default dispositions instead.
enum OpenSSLSpeed {
    /// SHA-256 throughput on `bytes`-byte inputs, in MB/s (10^6 bytes), or nil if openssl is missing or unparsable.
    static func sha256MBPerSecond(seconds: Int, bytes: Int = 16_384) -> Double? {
        run(["openssl", "speed", "-seconds", "\(seconds)", "-bytes", "\(bytes)", "sha256"]).flatMap(parseSHA256)
    }

    /// Ed25519 signatures and verifications per second on one core, or nil.
    static func ed25519(seconds: Int) -> (sign: Double, verify: Double)? {
        run(["openssl", "speed", "-seconds", "\(seconds)", "ed25519"]).flatMap(parseEd25519)
    }

    /// "sha256   1714197.11k" (thousands of bytes per second) → MB/s.
    static func parseSHA256(_ output: String) -> Double? {
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, fields[0] == "sha256", fields[1].hasSuffix("k"), let k = Double(fields[1].dropLast())
            {
                return k / 1000
            }
        }
        return nil
    }

    /// " 253 bits EdDSA (Ed25519)   0.0001s   0.0002s  16559.9   6253.8" → (sign/s, verify/s).
    static func parseEd25519(_ output: String) -> (sign: Double, verify: Double)? {
        for line in output.split(separator: "\n") where line.contains("(Ed25519)") {
            let numbers = line.split(separator: " ").compactMap { Double($0) }
            if numbers.count >= 3 { return (numbers[numbers.count - 2], numbers[numbers.count - 1]) }
        }
        return nil
    }

    /// The stdout of `argv` (looked up in PATH; stderr discarded), or nil when it cannot start or exits non-zero.
    static func run(_ argv: [String]) -> String? {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGALRM, SIGPIPE, SIGINT, SIGTERM, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawnp(&pid, argv[0], &actions, &attributes, cArguments, environ)
        close(fds[1])
        guard spawned == 0 else {
            close(fds[0])
            return nil
        }
        let output = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitedNormally = status & 0x7f == 0
        guard exitedNormally && (status >> 8) & 0xff == 0 else { return nil }
        return String(decoding: output, as: UTF8.self)
    }
}

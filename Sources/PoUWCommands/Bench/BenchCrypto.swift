import ArgumentParser
import Foundation
import PoUWCore
import PoUWCrypto

#if canImport(Glibc)
import Glibc
#endif

/// `pouw-bench crypto`: throughput of SHA-256, Ed25519 and the VRF, next to `openssl speed` run as a child process
/// in the same invocation (same machine, same moment) so that the ratios say what the Swift wrapper costs.
struct BenchCryptoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crypto",
        abstract: "Measure SHA-256, Ed25519 and ECVRF throughput against `openssl speed` on this machine.",
        discussion: """
            Runs each operation for --seconds seconds on one thread (release build) and counts operations per \
            CPU-second of that thread (best of four slices), as `openssl speed` counts per user CPU-second; then \
            runs, twice each (best run counts), \
            `openssl speed -seconds N -bytes 16384 sha256` and `openssl speed -seconds N ed25519` and parses \
            their output. MB means 10^6 bytes, as in openssl's "1000s of bytes" figures. The ratios are ours \
            divided by OpenSSL's; the target is ≥ 0.9 for SHA-256 and Ed25519 verification.

            ed25519_verify_per_s reuses one parsed public key (as `openssl speed` does); \
            ed25519_verify_fresh_key_per_s parses the key for every signature (the chain's reindex pattern).

            Example:
              swift run -c release pouw-bench crypto --json
            """
    )

    @Option(help: "Seconds to run each measurement (ours and openssl's).") var seconds: Int = 2
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func run() throws {
        guard seconds >= 1 && seconds <= 60 else { throw ValidationError("--seconds must be between 1 and 60") }
        let duration = Duration.seconds(seconds)
        let progress = isatty(STDERR_FILENO) == 1
        func note(_ text: String) {
            if progress { writeStandardError("… \(text)\n") }
        }

        var results: [(String, Double?)] = []
        note("sha256 (16 KiB inputs)")
        let block = (0..<16_384).map { UInt8(truncatingIfNeeded: $0 &* 131) }
        var sink: UInt64 = 0
        let sha = Self.rate(for: duration) {
            sink &+= SHA256.hash(block).w0
        }
        results.append(("sha256_mb_per_s", sha * 16_384 / 1e6))

        note("ed25519 sign / verify")
        let key = try Ed25519.PrivateKey(seed: (0..<32).map { UInt8($0) })
        let message = [UInt8](repeating: 0x42, count: 20)
        results.append(("ed25519_sign_per_s", Self.rate(for: duration) { sink &+= UInt64(key.sign(message)[0]) }))
        let signature = key.sign(message)
        let publicKey = key.publicKey
        let verify = Self.rate(for: duration) {
            sink &+= publicKey.isValidSignature(signature, for: message) ? 1 : 0
        }
        results.append(("ed25519_verify_per_s", verify))
        let keyBytes = publicKey.bytes
        let fresh = Self.rate(for: duration) {
            if let parsed = try? Ed25519.PublicKey(bytes: keyBytes), parsed.isValidSignature(signature, for: message) {
                sink &+= 1
            }
        }
        results.append(("ed25519_verify_fresh_key_per_s", fresh))

        note("vrf prove / verify")
        let vrf = try VRF.SecretKey(bytes: (1...32).map { UInt8($0) })
        let alpha = Array("round 1 seed".utf8)
        results.append(
            ("vrf_prove_per_s", Self.rate(for: duration) { sink &+= UInt64(vrf.prove(alpha: alpha).bytes[40]) })
        )
        let proof = vrf.prove(alpha: alpha)
        let vrfVerify = Self.rate(for: duration) {
            if let beta = try? vrf.publicKey.verify(proof: proof, alpha: alpha) { sink &+= UInt64(beta[0]) }
        }
        results.append(("vrf_verify_per_s", vrfVerify))

        note("openssl speed sha256 / ed25519")
        // Best of two runs each, as ours is the best of four slices.
        let opensslSHA = [
            OpenSSLSpeed.sha256MBPerSecond(seconds: seconds), OpenSSLSpeed.sha256MBPerSecond(seconds: seconds),
        ]
        .compactMap { $0 }.max()
        let opensslEdRuns = [OpenSSLSpeed.ed25519(seconds: seconds), OpenSSLSpeed.ed25519(seconds: seconds)].compactMap
        { $0 }
        let opensslEd =
            opensslEdRuns.isEmpty
            ? nil : (sign: opensslEdRuns.map(\.sign).max() ?? 0, verify: opensslEdRuns.map(\.verify).max() ?? 0)
        results.append(("openssl_sha256_mb_per_s", opensslSHA))
        results.append(("openssl_ed25519_sign_per_s", opensslEd?.sign))
        results.append(("openssl_ed25519_verify_per_s", opensslEd?.verify))
        results.append(("sha256_ratio", opensslSHA.map { sha * 16_384 / 1e6 / $0 }))
        results.append(("ed25519_verify_ratio", opensslEd.map { verify / $0.verify }))
        results.append(("ed25519_verify_fresh_key_ratio", opensslEd.map { fresh / $0.verify }))
        if sink == 0x5eed { note("") }  // keeps the measured work observable to the optimiser

        if json {
            var object: [String: Any] = [
                "bench": "crypto", "seconds_per_measurement": seconds,
                "cores": ProcessInfo.processInfo.activeProcessorCount,
            ]
            for (name, value) in results { object[name] = value.map { Self.rounded($0) } ?? NSNull() }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for (name, value) in results {
                let text = value.map { String(format: "%.3f", $0) } ?? "n/a (openssl not found or not parsed)"
                print(name.padding(toLength: 34, withPad: " ", startingAt: 0) + text)
            }
        }
    }

    /// Operations per CPU-second of `body` (this thread's CPU time, as `openssl speed` counts user time by
    /// default), run repeatedly for `duration` of wall-clock time split into four slices; the best slice counts,
    /// which damps the noise of a machine shared with other work.
    static func rate(for duration: Duration, _ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        for _ in 0..<3 { body() }
        var best = 0.0
        for _ in 0..<4 {
            var count = 0
            let start = clock.now
            let cpuStart = threadCPUSeconds()
            while clock.now - start < duration / 4 {
                for _ in 0..<8 { body() }
                count += 8
            }
            best = max(best, Double(count) / max(threadCPUSeconds() - cpuStart, 1e-9))
        }
        return best
    }

    static func threadCPUSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}

import Foundation
import Testing

/// `pouw-bench crypto --json` prints one JSON object with every figure, including the ones parsed from the
/// `openssl speed` child process (which must finish: it times itself with SIGALRM).
@Suite struct BenchCryptoTests {
    @Test func printsOneJSONObjectWithAllFigures() throws {
        let bench = try BuiltTool("pouw-bench")
        let result = try bench.run(["crypto", "--seconds", "1", "--json"], timeout: 90)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        for key in [
            "sha256_mb_per_s", "ed25519_sign_per_s", "ed25519_verify_per_s", "ed25519_verify_fresh_key_per_s",
            "vrf_prove_per_s", "vrf_verify_per_s",
        ] {
            let value = try #require(object[key] as? Double, "\(key)")
            #expect(value > 0, "\(key)")
        }
        let hasOpenSSL = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
        for key in ["openssl_sha256_mb_per_s", "openssl_ed25519_verify_per_s", "sha256_ratio", "ed25519_verify_ratio"] {
            #expect(object.keys.contains(key), "\(key)")
            if hasOpenSSL { #expect((object[key] as? Double ?? 0) > 0, "\(key) not parsed from openssl speed") }
        }
    }
}

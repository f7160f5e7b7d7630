import Foundation
import Testing

/// `pouw-bench store --json` prints one JSON object with every figure the store issue asks for, each measured
/// (positive), on a tiny run.
@Suite struct BenchStoreTests {
    @Test func printsEveryRequiredFigure() throws {
        let bench = try BuiltTool("pouw-bench")
        let result = try bench.run(["store", "--scale", "0.02", "--json"], timeout: 300)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        for key in [
            "append_1mib_per_s", "append_1mib_commit_p99_ms", "append_small_batched_per_s",
            "append_small_durable_per_s", "get_small_p50_us", "get_small_p99_us", "get_1mib_p50_ms",
            "verify_mb_per_s", "ratio_dense_f32", "ratio_sparse_update", "ratio_messages_dict",
            "ratio_messages_nodict", "overhead_1mib_pct", "floor_lmdb_small_batched_per_s",
            "ratio_messages_json_dict", "message_seed_stored_bytes_avg", "ratio_messages_small_dict",
            "ratio_messages_digits_dict", "append_small_batched_serial_per_s", "append_small_batched_one_core_per_s",
            "encode_small_per_s",
        ] {
            let value = try #require((object[key] as? NSNumber)?.doubleValue, "\(key)")
            #expect(value > 0, "\(key)")
        }
        // The JSON rendering is the verbose one: longer than the canonical bytes of the same messages.
        let binary = try #require(object["message_bytes_avg"] as? Int)
        let json = try #require(object["message_json_bytes_avg"] as? Int)
        #expect(json > 2 * binary)
    }
}

import PoUWCore
import PoUWEconomics
import Testing

@Suite("Preferences, task requirements and the match score")
struct PreferencesTests {
    @Test("compute preferences are canonical: sorted, deduplicated, strictly checked on decode")
    func computeCanonical() throws {
        let prefs = computePreferences(["mlp", "cnn", "mlp"], gpus: 2, memoryMiB: 12_288, maxDataset: 1 << 32)
        guard case .compute(let c) = prefs else {
            Issue.record("not compute")
            return
        }
        #expect(c.modelTypes == ["cnn", "mlp"])
        let bytes = prefs.canonicalBytes
        #expect(try Preferences(canonicalBytes: bytes) == prefs)
        // Swap the two names in the encoding: the decoder must refuse the unsorted form.
        var swapped = bytes
        swapped.replaceSubrange(5..<8, with: Array("mlp".utf8))
        swapped.replaceSubrange(9..<12, with: Array("cnn".utf8))
        #expect(throws: CanonicalDecodingError.invalidValue(field: "modelTypes", reason: "not strictly sorted")) {
            try Preferences(canonicalBytes: swapped)
        }
        #expect(throws: CanonicalDecodingError.self) { try Preferences(canonicalBytes: bytes + [0]) }
        #expect(throws: CanonicalDecodingError.self) {
            try ComputePreferences(modelTypes: ["MLP"], gpuCount: 1, gpuMemoryMiB: 1, maxDatasetBytes: 1)
        }
        #expect(throws: CanonicalDecodingError.self) {
            try ComputePreferences(modelTypes: [], gpuCount: 1, gpuMemoryMiB: 1, maxDatasetBytes: 1)
        }
    }

    @Test("storage preferences round-trip; bad schemes and kinds are named errors")
    func storageCanonical() throws {
        let prefs = Preferences.storage(
            try StoragePreferences(storageBytes: 1 << 30, bandwidthMbps: 1000, redundancy: .erasure(data: 4, parity: 2))
        )
        #expect(try Preferences(canonicalBytes: prefs.canonicalBytes) == prefs)
        #expect(throws: CanonicalDecodingError.self) {
            try StoragePreferences(storageBytes: 1, bandwidthMbps: 1, redundancy: .replication(copies: 0))
        }
        var badKind = prefs.canonicalBytes
        badKind[2] = 9
        #expect(throws: CanonicalDecodingError.invalidValue(field: "preferences.kind", reason: "unknown kind 9")) {
            try Preferences(canonicalBytes: badKind)
        }
    }

    @Test("task requirements round-trip")
    func requirements() throws {
        let r = mnistRequirements()
        #expect(try TaskRequirements(canonicalBytes: r.canonicalBytes) == r)
    }

    @Test("hard constraints give score 0")
    func hardConstraints() {
        let r = mnistRequirements()
        #expect(MatchScore.of(computePreferences(["cnn"]), for: r) == .zero)  // model type
        #expect(MatchScore.of(computePreferences(maxDataset: 1 << 20), for: r) == .zero)  // dataset too big
        #expect(MatchScore.of(computePreferences(gpus: 0), for: r) == .zero)  // no GPU
        #expect(MatchScore.of(computePreferences(memoryMiB: 2048), for: r) == .zero)  // GPU too small
        let tooSmall = Preferences.storage(
            try! StoragePreferences(storageBytes: 150 << 20, bandwidthMbps: 1000, redundancy: .replication(copies: 2))
        )
        #expect(MatchScore.of(tooSmall, for: r) == .zero)  // 2 copies of 100 MiB do not fit in 150 MiB
        #expect(!MatchScore.zero.admits(ratioQ64: 0))
    }

    @Test("worked example scores (Docs/economics.md)")
    func workedScores() {
        let r = mnistRequirements()
        // Specialist: 1 model type (1.0), dataset 50 MiB of 100 MiB (0.5), GPU 4096 of 8192 MiB (0.5) → 2/3.
        let specialist = MatchScore.of(computePreferences(["mlp"], maxDataset: 100 << 20), for: r)
        #expect(specialist.q32 == (MatchScore.one + MatchScore.one / 2 + MatchScore.one / 2) / 3)
        #expect(specialist.description == "0.666666")
        // Generalist: 4 model types (0.25), 1 GiB datasets (0.048828125), 2 × 16 GiB (0.125).
        let generalist = MatchScore.of(
            computePreferences(["cnn", "mlp", "resnet", "rnn"], gpus: 2, memoryMiB: 16_384),
            for: r
        )
        #expect(generalist.q32 == (MatchScore.one / 4 + MatchScore.one / 1024 * 50 + MatchScore.one / 8) / 3)
        // Supervisor: 3 copies of 100 MiB in 400 MiB (0.75), 100 of 200 Mbps (0.5), tolerates 2 ≥ 1 (0.5).
        let supervisor = Preferences.storage(
            try! StoragePreferences(storageBytes: 400 << 20, bandwidthMbps: 200, redundancy: .replication(copies: 3))
        )
        #expect(MatchScore.of(supervisor, for: r).q32 == (MatchScore.one * 3 / 4 + MatchScore.one) / 3)
    }

    @Test("admits(ratio) is ratio < score, exactly")
    func admits() {
        let half = MatchScore(q32: MatchScore.one / 2)
        #expect(half.admits(ratioQ64: (1 << 63) - 1))
        #expect(!half.admits(ratioQ64: 1 << 63))
        #expect(MatchScore(q32: MatchScore.one).admits(ratioQ64: .max))
    }
}

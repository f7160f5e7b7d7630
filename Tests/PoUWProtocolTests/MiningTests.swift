import PoUWChain
import PoUWCore
import PoUWProtocol
import Testing

@Suite struct MiningTests {
    /// Messages 0…n−1 of one miner, correctly linked; message `committer` commits to `template`.
    static func chain(
        _ n: Int,
        committer: Int,
        template: BlockTemplate,
        peers: [Hash256]? = nil
    ) -> [IterationMessage] {
        var out = [IterationMessage]()
        var previous = Hash256.zero
        for s in 0..<n {
            let message = Samples.message(
                sequence: UInt64(s),
                previous: previous,
                commitment: s == committer ? template.commitment : Samples.h("other template \(s)"),
                peers: peers
            )
            out.append(message)
            previous = message.hash
        }
        return out
    }

    static let template = BlockTemplate(
        prev: Samples.h("tip"),
        txRoot: Samples.h("txs"),
        time: 1_700_000_123,
        bits: 0x207f_ffff
    )

    @Test func intervalSizeFollowsTheFormula() {
        #expect(NonceInterval.size(parameters: 101_770, batchSize: 32) == 3)
        #expect(NonceInterval.size(parameters: 1_000, batchSize: 32) == 1)
        #expect(NonceInterval.size(parameters: 0, batchSize: 0) == 1)
        #expect(NonceInterval.size(parameters: 1 << 20, batchSize: 7) == 7)
        #expect(NonceInterval.size(parameters: 1 << 40, batchSize: 1 << 30) == 1 << 50)
        #expect(NonceInterval.size(parameters: .max, batchSize: .max) == .max)
        #expect(NonceInterval.size(parameters: 1 << 42, batchSize: 1 << 42) == .max)
    }

    @Test func baseNonceIsDoubleHashOfStateAndUpdate() {
        let body = Samples.body(sequence: 1, previous: Samples.h("p"))
        var precursor = body.stateHashAfter.bytes
        precursor += [5]
        for word in body.update.words {
            precursor += [UInt8(word & 0xff), UInt8(word >> 8 & 0xff), UInt8(word >> 16 & 0xff), UInt8(word >> 24)]
        }
        let expected = Hash256.sha256(Hash256.sha256(precursor).bytes)
        #expect(NonceInterval(message: body, parameters: 1, batchSize: 1).base == expected)
        // A different update or state moves the interval.
        var other = body
        other.update = try! SparseUpdateWords(words: [3])
        #expect(NonceInterval(message: other, parameters: 1, batchSize: 1).base != expected)
    }

    @Test func intervalWrapsAroundModulo2to256() {
        let top = Hash256(w0: .max, w1: .max, w2: .max, w3: .max - 1)
        let interval = NonceInterval(base: top, size: 4)
        #expect(interval.nonce(at: 1) == Hash256(w0: .max, w1: .max, w2: .max, w3: .max))
        #expect(interval.nonce(at: 2) == .zero)
        #expect(interval.nonce(at: 3) == Hash256(w0: 0, w1: 0, w2: 0, w3: 1))
        for j in UInt64(0)..<4 { #expect(interval.index(of: interval.nonce(at: j)) == j) }
        #expect(!interval.contains(Hash256(w0: 0, w1: 0, w2: 0, w3: 2)))
        #expect(!interval.contains(Hash256(w0: .max, w1: .max, w2: .max, w3: .max - 2)))
        // Carry across words.
        let mid = NonceInterval(base: Hash256(w0: 1, w1: 2, w2: .max, w3: .max), size: 2)
        #expect(mid.nonce(at: 1) == Hash256(w0: 1, w1: 3, w2: 0, w3: 0))
        #expect(mid.contains(Hash256(w0: 1, w1: 3, w2: 0, w3: 0)))
        #expect(!mid.contains(Hash256(w0: 1, w1: 3, w2: 0, w3: 1)))
        #expect(!mid.contains(Hash256(w0: 2, w1: 2, w2: .max, w3: .max)))
    }

    @Test func templateCommitmentIsDoubleHashOfFiveFields() {
        var bytes: [UInt8] = [1, 0, 0, 0]
        bytes += Self.template.prev.bytes + Self.template.txRoot.bytes
        bytes += [0x7b, 0xf1, 0x53, 0x65, 0, 0, 0, 0]  // 1_700_000_123 little-endian
        bytes += [0xff, 0xff, 0x7f, 0x20]
        #expect(Self.template.committedBytes == bytes)
        #expect(Self.template.commitment == Hash256.sha256d(bytes))
    }

    private func check(
        chain: [IterationMessage],
        nonce: Hash256? = nil,
        msgHash: Hash256? = nil,
        template: BlockTemplate = MiningTests.template,
        target: Hash256 = Hash256(w0: .max, w1: .max, w2: .max, w3: .max)
    ) throws(WorkError) {
        let producing = chain.last!
        let interval = NonceInterval(message: producing.body, parameters: 101_770, batchSize: 32)
        try MiningRules.checkWork(
            template: template,
            nonce: nonce ?? interval.nonce(at: interval.size - 1),
            msgHash: msgHash ?? producing.hash,
            blockID: Samples.h("block id"),
            target: target,
            chain: chain,
            parameters: 101_770,
            batchSize: 32
        )
    }

    @Test func honestWorkPasses() throws {
        let all = Self.chain(9, committer: 3, template: Self.template)
        try check(chain: Array(all[3...8]))
    }

    @Test func cheatNonceOutsideTheInterval() {
        let chain = Array(Self.chain(9, committer: 3, template: Self.template)[3...8])
        let interval = NonceInterval(message: chain.last!.body, parameters: 101_770, batchSize: 32)
        let beyond = Wide.add(interval.base, interval.size)
        #expect(throws: WorkError.nonceOutsideInterval(nonce: beyond, base: interval.base, size: 3)) {
            try check(chain: chain, nonce: beyond)
        }
        #expect(throws: WorkError.self) { try check(chain: chain, nonce: Samples.h("ground nonce")) }
    }

    @Test func cheatBrokenZeroNonceCommitment() {
        let all = Self.chain(9, committer: 3, template: Self.template)
        var other = Self.template
        other.txRoot = Samples.h("different transactions")
        #expect(
            throws: WorkError.commitmentMismatch(committed: Self.template.commitment, template: other.commitment)
        ) { try check(chain: Array(all[3...8]), template: other) }
        // The commitment sits at the wrong distance (k − 1 steps back).
        #expect(throws: WorkError.self) { try check(chain: Array(all[4...8])) }
        #expect(throws: WorkError.commitmentUnavailable(sequence: 4)) { try check(chain: Array(all[0...4])) }
        // A chain segment with a message swapped out.
        var broken = Array(all[3...8])
        broken[2] = Samples.message(sequence: 5, previous: all[4].hash, miner: 9)
        #expect(throws: WorkError.commitmentChainBroken(position: 2)) { try check(chain: broken) }
    }

    @Test func headerMustNameTheMessageAndMeetTheTarget() {
        let chain = Array(Self.chain(9, committer: 3, template: Self.template)[3...8])
        #expect(throws: WorkError.messageHashMismatch(header: Samples.h("x"), message: chain.last!.hash)) {
            try check(chain: chain, msgHash: Samples.h("x"))
        }
        #expect(throws: WorkError.aboveTarget(blockID: Samples.h("block id"), target: .zero)) {
            try check(chain: chain, target: .zero)
        }
    }

    @Test func searchTriesTheIntervalInOrder() {
        let interval = NonceInterval(base: Samples.h("base"), size: 64)
        var tried = [Hash256]()
        let target = Hash256(w0: 1 << 61, w1: 0, w2: 0, w3: 0)
        let found = NonceSearch.first(in: interval, target: target) { nonce in
            tried.append(nonce)
            return Hash256.sha256d(nonce.bytes)
        }
        let result = try! #require(found)
        #expect(result.blockID <= target)
        #expect(tried.count == Int(result.index) + 1)
        #expect(tried == (0...result.index).map { interval.nonce(at: $0) })
        #expect(NonceSearch.first(in: interval, target: .zero) { Hash256.sha256d($0.bytes) } == nil)
    }
}

/// Test-side 256-bit addition, written independently of the module's.
enum Wide {
    static func add(_ h: Hash256, _ j: UInt64) -> Hash256 {
        var bytes = h.bytes
        var carry = UInt(j)
        var i = 31
        while i >= 0 && carry != 0 {
            let sum = UInt(bytes[i]) + (carry & 0xff)
            bytes[i] = UInt8(sum & 0xff)
            carry = (carry >> 8) + (sum >> 8)
            i -= 1
        }
        return Hash256(bytes: bytes)!
    }
}

@Suite struct HeaderMiningTests {
    @Test func templateCommitmentMatchesTheChainHeader() {
        let header = MiningTests.template.header(nonce: Samples.h("n"), msgHash: Samples.h("m"), historyRoot: .zero)
        #expect(header.templateCommitment == MiningTests.template.commitment)
        #expect(BlockTemplate(header: header) == MiningTests.template)
    }

    @Test func minedHeaderPassesAndTamperedHeadersFail() throws {
        // 0x207fffff: about half of all ids qualify, and for these fixed inputs one of the 3 allowed nonces does.
        let all = MiningTests.chain(9, committer: 3, template: MiningTests.template)
        let chain = Array(all[3...8])
        let header = try #require(
            MiningRules.mine(
                template: MiningTests.template,
                message: chain.last!,
                historyRoot: Samples.h("history"),
                parameters: 101_770,
                batchSize: 32
            )
        )
        try MiningRules.checkWork(header: header, chain: chain, parameters: 101_770, batchSize: 32)
        var ground = header
        ground.nonce = Samples.h("ground")
        #expect(throws: WorkError.self) {
            try MiningRules.checkWork(header: ground, chain: chain, parameters: 101_770, batchSize: 32)
        }
        var regrown = header
        regrown.txRoot = Samples.h("other txs")
        #expect(throws: WorkError.self) {
            try MiningRules.checkWork(header: regrown, chain: chain, parameters: 101_770, batchSize: 32)
        }
        var badBits = header
        badBits.bits = 0x0180_0000
        #expect(throws: WorkError.badBits(0x0180_0000)) {
            try MiningRules.checkWork(header: badBits, chain: chain, parameters: 101_770, batchSize: 32)
        }
        // Target 1: none of the 3 nonces can work, and the search says so instead of widening the interval.
        var hard = MiningTests.template
        hard.bits = 0x0300_0001
        #expect(
            MiningRules.mine(
                template: hard,
                message: chain.last!,
                historyRoot: .zero,
                parameters: 101_770,
                batchSize: 32
            )
                == nil
        )
    }
}

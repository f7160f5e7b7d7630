public import PoUWChain
public import PoUWCore

extension BlockTemplate {
    /// The template part of `header`.
    public init(header: BlockHeader) {
        self.init(
            version: header.version,
            prev: header.prev,
            txRoot: header.txRoot,
            time: header.time,
            bits: header.bits
        )
    }

    /// A header from this template with the given PoUW fields.
    public func header(nonce: Hash256, msgHash: Hash256, historyRoot: Hash256) -> BlockHeader {
        BlockHeader(
            version: version,
            prev: prev,
            txRoot: txRoot,
            time: time,
            bits: bits,
            nonce: nonce,
            msgHash: msgHash,
            historyRoot: historyRoot
        )
    }
}

extension MiningRules {
    /// Checks a block header's work (see `checkWork(template:…)`): the target is decoded from `header.bits`
    /// (an unusable `bits` is `WorkError.badBits`) and compared with the header id as a 256-bit number.
    public static func checkWork(
        header: BlockHeader,
        chain: [IterationMessage],
        parameters: UInt64,
        batchSize: UInt64
    ) throws(WorkError) {
        let target: UInt256
        do { target = try CompactTarget.decode(header.bits) } catch { throw .badBits(header.bits) }
        try checkWork(
            template: BlockTemplate(header: header),
            nonce: header.nonce,
            msgHash: header.msgHash,
            blockID: header.id,
            target: target.hash256,
            chain: chain,
            parameters: parameters,
            batchSize: batchSize
        )
    }

    /// Mines: searches the interval of `chain.last` for a nonce that makes `template` a block meeting its
    /// `bits`. Returns the header, or `nil` if no allowed nonce works (or `bits` is unusable).
    public static func mine(
        template: BlockTemplate,
        message: IterationMessage,
        historyRoot: Hash256,
        parameters: UInt64,
        batchSize: UInt64
    ) -> BlockHeader? {
        guard let target = try? CompactTarget.decode(template.bits) else { return nil }
        let interval = NonceInterval(message: message.body, parameters: parameters, batchSize: batchSize)
        let msgHash = message.hash
        let found = NonceSearch.first(in: interval, target: target.hash256) { nonce in
            template.header(nonce: nonce, msgHash: msgHash, historyRoot: historyRoot).id
        }
        return found.map { template.header(nonce: $0.nonce, msgHash: msgHash, historyRoot: historyRoot) }
    }
}

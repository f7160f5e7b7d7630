public import PoUWCore
public import PoUWCrypto

/// The genesis block of each preset, defined in code. Its id is pinned by `Fixtures/chain/genesis-*.hex`.
///
/// Genesis is not validated like other blocks: it has no parent, pays no subsidy, and its coinbase allocates
/// the preset's initial balances. Guarantees: deterministic (same parameters, same bytes).
public enum Genesis {
    /// The genesis block for `parameters`.
    public static func block(for parameters: ChainParameters) -> Block {
        let coinbase = Transaction(
            coinbase: Coinbase(
                height: 0,
                outputs: allocations(for: parameters),
                extra: Array("PoUW genesis (\(parameters.name)): arXiv:2001.09244".utf8)
            )
        )
        let header = BlockHeader(
            version: 1,
            prev: .zero,
            txRoot: Block.transactionRoot([coinbase]),
            time: parameters.genesisTime,
            bits: parameters.powLimitBits
        )
        return Block(header: header, transactions: [coinbase])
    }

    /// Initial balances: on `local`, `DevKeys.count` well-known development accounts with 1,000,000 PAI each;
    /// none elsewhere.
    public static func allocations(for parameters: ChainParameters) -> [Payout] {
        guard parameters.name == ChainParameters.local.name else { return [] }
        return (0..<DevKeys.count).map {
            Payout(to: DevKeys.address($0), amount: Amount(units: 1_000_000 * Amount.unitsPerPAI))
        }
    }
}

/// Well-known development keys funded by the `local` genesis. Public knowledge — never use them for value.
/// Key `i` has seed SHA-256("pouw/local-dev-key/" ‖ decimal i).
public enum DevKeys {
    public static let count = 4

    public static func privateKey(_ index: Int) -> Ed25519.PrivateKey {
        let seed = SHA256.hash(Array("pouw/local-dev-key/\(index)".utf8)).bytes
        do {
            return try Ed25519.PrivateKey(seed: seed)
        } catch {
            preconditionFailure("a 32-byte seed is always a valid Ed25519 seed: \(error)")
        }
    }

    public static func address(_ index: Int) -> Address { Address(publicKey: privateKey(index).publicKey) }
}

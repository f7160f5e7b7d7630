import Foundation
import PoUWCore
import PoUWCrypto
import PoUWStore
import Synchronization
import Testing

@testable import PoUWChain

#if canImport(Glibc)
import Glibc
#endif

/// A chain on memory storage with a fixed clock, the target-only work check and the dev keys funded.
struct TestChain {
    static let now: UInt64 = ChainParameters.local.genesisTime + 1_000_000
    let chain: Blockchain
    var parameters: ChainParameters { chain.parameters }

    init(
        parameters: ChainParameters = .local,
        rules: any LedgerRules = BasicLedgerRules(),
        storage: any ChainStorage = MemoryChainStorage()
    ) throws {
        chain = try Blockchain(
            storage: storage,
            parameters: parameters,
            work: TargetOnlyWorkValidator(),
            rules: rules,
            clock: { TestChain.now }
        )
    }

    static func key(_ i: Int) -> Ed25519.PrivateKey { DevKeys.privateKey(i) }
    static func address(_ i: Int) -> Address { DevKeys.address(i) }

    static func transfer(from i: Int, to: Address, units: UInt64, sequence: UInt64, fee: UInt64 = 1_000) -> Transaction
    {
        let key = key(i)
        return Transaction(
            body: .transfer(Transfer(to: to, amount: Amount(units: units))),
            signer: key.publicKey,
            sequence: sequence,
            fee: Amount(units: fee)
        ).signed(with: key)
    }

    /// A mined block on top of `parent` (default: the tip) with `transactions`.
    func block(
        _ transactions: [Transaction] = [],
        parent: Hash256? = nil,
        miner: Address = TestChain.address(3),
        extra: [UInt8] = [],
        edit: (inout Block) -> Void = { _ in }
    ) throws -> Block {
        let parentId = parent ?? chain.tip.id
        let context = try chain.nextBlockContext(parent: parentId)
        let parentTime = try chain.indexRecord(parentId)!.header.time
        var b = BlockAssembler.assemble(
            context: context,
            transactions: transactions,
            miner: miner,
            time: parentTime + parameters.targetSpacing,
            parameters: parameters,
            extra: extra
        )
        edit(&b)
        return BlockAssembler.grindTargetOnly(b)!
    }

    /// Mines and processes a block on the tip.
    @discardableResult
    func extend(_ transactions: [Transaction] = [], extra: [UInt8] = []) throws -> Block {
        let b = try block(transactions, extra: extra)
        try chain.process(b)
        return b
    }

    /// Asserts that processing `block` fails with `expected` and leaves tip and state exactly as before.
    func expectRejected(
        _ block: Block,
        _ expected: ChainError,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = (chain.tip, try chain.stateHash(), try mainChain())
        #expect(throws: expected, sourceLocation: sourceLocation) { try chain.process(block) }
        #expect(chain.tip == before.0, sourceLocation: sourceLocation)
        #expect(try chain.stateHash() == before.1, sourceLocation: sourceLocation)
        #expect(try mainChain() == before.2, sourceLocation: sourceLocation)
    }

    /// The main chain's ids, genesis first.
    func mainChain() throws -> [Hash256] {
        try (0...chain.tip.height).map { try chain.mainChainId(atHeight: $0)! }
    }
}

/// The storages every chain test runs on.
enum StorageKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case store

    var testDescription: String { rawValue }

    func make() throws -> any ChainStorage {
        switch self {
        case .memory: MemoryChainStorage()
        case .store:
            try StoreChainStorage(directory: TemporaryDirectory.make(), options: StoreOptions(durability: .fast))
        }
    }
}

enum TemporaryDirectory {
    /// Directories made by this test process, removed when it exits.
    static let made = Mutex<[String]>([])
    static let cleanup: Void = {
        atexit {
            for dir in TemporaryDirectory.made.withLock({ $0 }) {
                try? FileManager.default.removeItem(atPath: dir)
            }
        }
    }()

    /// A fresh directory under the system temporary directory (removed at process exit).
    static func make() throws -> String {
        _ = cleanup
        var template = Array("/tmp/pouw-chain-test-XXXXXX".utf8CString)
        guard let path = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ChainError.storage("mkdtemp failed")
        }
        let dir = String(cString: path)
        made.withLock { $0.append(dir) }
        return dir
    }
}

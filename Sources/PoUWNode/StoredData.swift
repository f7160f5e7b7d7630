import Foundation
public import PoUWChain
public import PoUWCore
import PoUWCrypto
public import PoUWML
public import PoUWProtocol
public import PoUWStore

/// A node's data directory opened for reading: its chain, messages, histories, checkpoints and batches. Given
/// the top directory of a `pouw demo` run, it opens the archival node (`archive/`), which keeps everything.
///
/// Guarantees: never writes; every object read is re-hashed by the store; a record that does not decode is an
/// error, never a wrong value.
public final class StoredData {
    public let directory: String
    public let store: Store
    public let protocolStore: ProtocolStore
    public let chain: StoreChainStorage
    /// Where verification reads messages, states and batches: the store itself unless replaced (tests put a
    /// damaging or forgetful source here to check that every defect is caught).
    public var artefacts: any ArtefactSource

    /// Why the data could not be read.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case noStore(String)
        case noSuchBlock(String)
        case noSuchTask(Hash256)
        case badTask(Hash256, String)

        public var description: String {
            switch self {
            case .noStore(let path): "no node data directory at \(path) (neither data.mdb nor archive/data.mdb)"
            case .noSuchBlock(let spec): "no block \(spec) on the main chain"
            case .noSuchTask(let id): "no PAY_FOR_TASK \(id.hex) in this store"
            case .badTask(let id, let reason): "task \(id.short) is unusable: \(reason)"
            }
        }
    }

    /// The store directory behind `path`: `path` itself if it holds a store, else `path/archive`.
    public static func resolve(_ path: String) throws -> String {
        let manager = FileManager.default
        if manager.fileExists(atPath: path + "/data.mdb") { return path }
        if manager.fileExists(atPath: path + "/archive/data.mdb") { return path + "/archive" }
        throw Failure.noStore(path)
    }

    public init(path: String, readOnly: Bool = true) throws {
        directory = try Self.resolve(path)
        store = try Store.open(at: directory, options: StoreOptions(readOnly: readOnly))
        protocolStore = ProtocolStore(store: store)
        chain = StoreChainStorage(store: store)
        artefacts = protocolStore
    }

    // MARK: Chain

    /// Number of blocks on the main chain (genesis included).
    public func height() throws -> UInt64 { try chain.mainChainCount() }

    /// The main-chain block named by a height or a block id in hex.
    public func block(_ spec: String) throws -> Block {
        if let height = UInt64(spec) {
            guard let id = try chain.mainChainId(atHeight: height), let block = try block(id: id) else {
                throw Failure.noSuchBlock(spec)
            }
            return block
        }
        guard let id = Hash256(hex: spec), let block = try block(id: id) else { throw Failure.noSuchBlock(spec) }
        return block
    }

    /// The block with id `id`, if stored.
    public func block(id: Hash256) throws -> Block? {
        guard let record = try chain.blockIndexRecord(id), let bytes = try chain.object(record.bodyHash) else {
            return nil
        }
        return try Block(canonicalBytes: bytes)
    }

    /// The height of block `id` in the index.
    public func blockHeight(_ id: Hash256) throws -> UInt64? { try chain.blockIndexRecord(id)?.height }

    // MARK: Tasks

    /// A task as its PAY_FOR_TASK defines it.
    public struct StoredTask: Sendable {
        public let id: Hash256
        public let payForTask: PayForTask
        public let definition: TaskDefinition
        public let client: Address?
        public var miningParameters: MiningParameters {
            MiningParameters(
                parameterCount: UInt64(Architecture(model: definition.model).parameterCount),
                batchSize: UInt64(definition.batchSize)
            )
        }
    }

    /// The task with id `id` (its PAY_FOR_TASK transaction is stored content-addressed under its id).
    public func task(_ id: Hash256) throws -> StoredTask {
        guard let bytes = try artefacts.bytes(for: id) else { throw Failure.noSuchTask(id) }
        // The task id is the PAY_FOR_TASK's id, the SHA-256 of its bytes: anything else is not this task.
        guard Hash256.sha256(bytes) == id else { throw Failure.badTask(id, "its bytes do not hash to the task id") }
        let transaction: Transaction
        do { transaction = try Transaction(canonicalBytes: bytes) } catch {
            throw Failure.badTask(id, "not a transaction: \(error)")
        }
        guard case .payForTask(let payload) = transaction.body else { throw Failure.badTask(id, "not a PAY_FOR_TASK") }
        let definition: TaskDefinition
        do { definition = try TaskDefinition(json: payload.taskDefinition) } catch {
            throw Failure.badTask(id, "task definition: \(error)")
        }
        let client = transaction.authorization.flatMap { try? Ed25519PublicKeyAddress.address($0.signer) }
        return StoredTask(id: id, payForTask: payload, definition: definition, client: client)
    }

    /// Ids of the tasks named by the main chain's PAY_FOR_TASK transactions, in chain order.
    public func taskIDs() throws -> [Hash256] {
        var ids = [Hash256]()
        let count = try height()
        for h in 0..<count {
            guard let id = try chain.mainChainId(atHeight: h), let block = try block(id: id) else { continue }
            for tx in block.transactions { if case .payForTask = tx.body { ids.append(tx.id) } }
        }
        return ids
    }

    /// The task's recorded message history.
    public func history(_ task: Hash256) throws -> MessageHistory { try protocolStore.recordedHistory(task: task) }
}

/// Address of a raw Ed25519 key.
enum Ed25519PublicKeyAddress {
    static func address(_ bytes: [UInt8]) throws -> Address { Address(publicKey: try Ed25519.PublicKey(bytes: bytes)) }
}

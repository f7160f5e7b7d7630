public import PoUWCore
public import PoUWEconomics

/// The economics rules' own entries in the ledger's state table (so they are covered by the state hash, undone
/// on reorgs and re-derived by a replay). Keys:
///
/// - `u‖ticketId` → `.usedBy(task)`: the ticket took a seat in that task (it can never be used again).
/// - `y‖ticketId` → `.stakeFate(fate)`: the ticket's stake left the locked balance (released or slashed).
/// - `x‖height u64 big-endian` → `.tickets(ids)`: tickets (purchase order) whose expiry height is `height`.
/// - `s‖taskId` → `.tickets(ids)`: the seat tickets a settled task's TASK_RESULT named (claim order).
/// - `v‖evidenceId` → `.evidenceUsed`: this evidence was used.
/// - `h‖taskId` → `.block(id)`: the task's selection hash — the id of the block that included its PAY_FOR_TASK
///   (unknown to the client when it signed, so the client cannot grind its task id to steer the VRF selection).
/// - `mtprice` → `.price(amount, height)`: the price in force and the height it is for; `mtpool` →
///   `.counter(n)`: tickets with locked stake; `mtpoolprev` → `.counter(n)`: that count at the previous retarget;
///   `mtfresh` → `.fresh(height, count)`: tickets bought in that block; `mtblock` → `.block(id)`: the block being
///   connected (set before its first transaction, so a PAY_FOR_TASK's bookkeeping can record it).
/// - `r‖taskId` → `.terms(TaskTerms)`: the seat counts and requirements its PAY_FOR_TASK committed to.
/// - `mtopen` → `.counter(n)`: tasks registered and not yet settled; `b‖blockId` → `.minedBlock(height, miner)`:
///   the height and coinbase account of every block connected while `mtopen > 0` (what a block attestation's block
///   is checked against: on this chain, in the task's window, mined by one of its miners).
///
/// Every value is one canonical `EconomicStateValue` record (tag 0x77, version 1); the golden bytes are in
/// `Fixtures/economics/economic-state-golden.txt`.
public enum EconomicState {
    public static func used(_ ticket: Hash256) -> [UInt8] { [UInt8(ascii: "u")] + ticket.bytes }
    public static func fate(_ ticket: Hash256) -> [UInt8] { [UInt8(ascii: "y")] + ticket.bytes }
    public static func expiring(_ height: UInt64) -> [UInt8] {
        [UInt8(ascii: "x")] + withUnsafeBytes(of: height.bigEndian) { Array($0) }
    }
    public static func seats(_ task: Hash256) -> [UInt8] { [UInt8(ascii: "s")] + task.bytes }
    public static func evidence(_ id: Hash256) -> [UInt8] { [UInt8(ascii: "v")] + id.bytes }
    public static func selectionBlock(_ task: Hash256) -> [UInt8] { [UInt8(ascii: "h")] + task.bytes }
    public static let price: [UInt8] = Array("mtprice".utf8)
    public static let pool: [UInt8] = Array("mtpool".utf8)
    public static let poolAtRetarget: [UInt8] = Array("mtpoolprev".utf8)
    public static let fresh: [UInt8] = Array("mtfresh".utf8)
    public static let currentBlock: [UInt8] = Array("mtblock".utf8)
    public static func terms(_ task: Hash256) -> [UInt8] { [UInt8(ascii: "r")] + task.bytes }
    public static func minedBlock(_ block: Hash256) -> [UInt8] { [UInt8(ascii: "b")] + block.bytes }
    public static let openTasks: [UInt8] = Array("mtopen".utf8)

    /// The terms recorded for a task, if any.
    public static func terms(_ bytes: [UInt8]?, key: [UInt8]) throws(ChainError) -> TaskTerms? {
        switch try value(bytes, key: key) {
        case .terms(let terms): terms
        case nil: nil
        case let other?: throw .corruptState(key: Hex.encode(key), reason: "expected task terms, found \(other)")
        }
    }

    /// The height and miner recorded for a block, if any.
    public static func minedBlock(
        _ bytes: [UInt8]?,
        key: [UInt8]
    ) throws(ChainError) -> (height: UInt64, miner: Address)? {
        switch try value(bytes, key: key) {
        case .minedBlock(let height, let miner): (height, miner)
        case nil: nil
        case let other?: throw .corruptState(key: Hex.encode(key), reason: "expected a mined block, found \(other)")
        }
    }

    /// Decodes the value stored under `key` (`nil` if absent); a value that is not a valid record is corrupt state.
    public static func value(_ bytes: [UInt8]?, key: [UInt8]) throws(ChainError) -> EconomicStateValue? {
        guard let bytes else { return nil }
        do { return try EconomicStateValue(canonicalBytes: bytes) } catch {
            throw .corruptState(key: Hex.encode(key), reason: "\(error)")
        }
    }

    /// The ticket list under `key` (empty if absent).
    public static func tickets(_ bytes: [UInt8]?, key: [UInt8]) throws(ChainError) -> [Hash256] {
        switch try value(bytes, key: key) {
        case .tickets(let ids): ids
        case nil: []
        case let other?: throw .corruptState(key: Hex.encode(key), reason: "expected a ticket list, found \(other)")
        }
    }

    /// The counter under `key` (0 if absent).
    public static func counter(_ bytes: [UInt8]?, key: [UInt8]) throws(ChainError) -> UInt64 {
        switch try value(bytes, key: key) {
        case .counter(let n): n
        case nil: 0
        case let other?: throw .corruptState(key: Hex.encode(key), reason: "expected a counter, found \(other)")
        }
    }

    /// The task a ticket was used in, if any.
    public static func usedBy(_ bytes: [UInt8]?, key: [UInt8]) throws(ChainError) -> Hash256? {
        switch try value(bytes, key: key) {
        case .usedBy(let task): task
        case nil: nil
        case let other?: throw .corruptState(key: Hex.encode(key), reason: "expected a task, found \(other)")
        }
    }

    /// The block id under `key`, if any.
    public static func block(_ bytes: [UInt8]?, key: [UInt8]) throws(ChainError) -> Hash256? {
        switch try value(bytes, key: key) {
        case .block(let id): id
        case nil: nil
        case let other?: throw .corruptState(key: Hex.encode(key), reason: "expected a block id, found \(other)")
        }
    }

    /// Where a ticket's stake went, if it left the locked balance.
    public static func stakeFate(_ bytes: [UInt8]?, key: [UInt8]) throws(ChainError) -> TicketStakeFate? {
        switch try value(bytes, key: key) {
        case .stakeFate(let fate): fate
        case nil: nil
        case let other?: throw .corruptState(key: Hex.encode(key), reason: "expected a stake fate, found \(other)")
        }
    }
}

/// One value of the economics rules' state (`EconomicState`). Canonical record 0x77 v1: a kind byte, then
/// `usedBy` (1): task id 32 B; `stakeFate` (2): fate u8; `tickets` (3): LEB128 count ≤ 2²⁰, 32 B each;
/// `evidenceUsed` (4): nothing; `price` (5): units u64, height u64; `counter` (6): u64; `fresh` (7): height u64,
/// count u64; `block` (8): block id 32 B; `terms` (9): a `TaskTerms` record (0x78); `minedBlock` (10): height
/// u64, miner address 20 B. Kinds 9 and 10 were added by the per-block verifier change; no earlier kind's bytes
/// changed. Integers little-endian. Decoding is strict (unknown kind or fate, truncation, trailing bytes).
public enum EconomicStateValue: Sendable, Hashable, CanonicalCodable, CustomStringConvertible {
    case usedBy(task: Hash256)
    case stakeFate(TicketStakeFate)
    case tickets([Hash256])
    case evidenceUsed
    case price(Amount, height: UInt64)
    case counter(UInt64)
    case fresh(height: UInt64, count: UInt64)
    case block(Hash256)
    case terms(TaskTerms)
    case minedBlock(height: UInt64, miner: Address)

    public static let version: UInt8 = 1
    public static let maxTickets = 1 << 20

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .economicState, version: Self.version)
        switch self {
        case .usedBy(let task):
            writer.u8(1)
            writer.hash(task)
        case .stakeFate(let fate):
            writer.u8(2)
            writer.u8(fate.rawValue)
        case .tickets(let ids):
            writer.u8(3)
            writer.length(ids.count)
            for id in ids { writer.hash(id) }
        case .evidenceUsed:
            writer.u8(4)
        case .price(let amount, let height):
            writer.u8(5)
            writer.u64(amount.units)
            writer.u64(height)
        case .counter(let n):
            writer.u8(6)
            writer.u64(n)
        case .fresh(let height, let count):
            writer.u8(7)
            writer.u64(height)
            writer.u64(count)
        case .block(let id):
            writer.u8(8)
            writer.hash(id)
        case .terms(let terms):
            writer.u8(9)
            terms.encode(to: &writer)
        case .minedBlock(let height, let miner):
            writer.u8(10)
            writer.u64(height)
            miner.encode(to: &writer)
        }
    }

    public init(from reader: inout ByteReader) throws {
        _ = try reader.header(tag: .economicState, versions: Self.version...Self.version)
        let kind = try reader.u8()
        switch kind {
        case 1: self = .usedBy(task: try reader.hash())
        case 2:
            let raw = try reader.u8()
            guard let fate = TicketStakeFate(rawValue: raw) else {
                throw CanonicalDecodingError.invalidValue(field: "economicState.fate", reason: "unknown fate \(raw)")
            }
            self = .stakeFate(fate)
        case 3:
            var ids: [Hash256] = []
            for _ in 0..<(try reader.length(field: "economicState.tickets", limit: Self.maxTickets)) {
                ids.append(try reader.hash())
            }
            self = .tickets(ids)
        case 4: self = .evidenceUsed
        case 5: self = .price(Amount(units: try reader.u64()), height: try reader.u64())
        case 6: self = .counter(try reader.u64())
        case 7: self = .fresh(height: try reader.u64(), count: try reader.u64())
        case 8: self = .block(try reader.hash())
        case 9: self = .terms(try TaskTerms(from: &reader))
        case 10: self = .minedBlock(height: try reader.u64(), miner: try Address(from: &reader))
        default:
            throw CanonicalDecodingError.invalidValue(field: "economicState.kind", reason: "unknown kind \(kind)")
        }
    }

    public var description: String {
        switch self {
        case .usedBy(let task): "used in task \(task.short)"
        case .stakeFate(let fate): "stake \(fate)"
        case .tickets(let ids): "\(ids.count) ticket(s)"
        case .evidenceUsed: "evidence used"
        case .price(let amount, let height): "price \(amount) at height \(height)"
        case .counter(let n): "counter \(n)"
        case .fresh(let height, let count): "\(count) fresh ticket(s) at height \(height)"
        case .block(let id): "block \(id.short)"
        case .terms(let t):
            "terms: \(t.miners) miner(s), \(t.supervisors) supervisor(s), \(t.evaluators) evaluator(s), "
                + "\(t.verifiersPerBlock) verifier(s) per block"
        case .minedBlock(let height, let miner): "block at height \(height) mined by \(miner)"
        }
    }
}

/// Where a ticket's stake went once it left the owner's locked balance.
public enum TicketStakeFate: UInt8, Sendable {
    /// Returned to the owner at the expiry height.
    case released = 1
    /// Confiscated by a proven EVIDENCE.
    case slashed = 2
}

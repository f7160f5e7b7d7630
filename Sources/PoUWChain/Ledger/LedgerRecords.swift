public import PoUWCore

/// One account of the ledger: spendable balance, the next sequence number it must sign with, and stake locked by
/// tickets. Canonical: tag `accountState` (0x13), version 1, `balance u64, sequence u64, locked u64`.
public struct AccountState: Sendable, Hashable, CanonicalCodable {
    public var balance: Amount
    public var sequence: UInt64
    public var locked: Amount

    public init(balance: Amount = .zero, sequence: UInt64 = 0, locked: Amount = .zero) {
        self.balance = balance
        self.sequence = sequence
        self.locked = locked
    }

    public static let empty = AccountState()

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .accountState, version: 1)
        balance.encode(to: &writer)
        writer.u64(sequence)
        locked.encode(to: &writer)
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .accountState, versions: 1...1)
        balance = try Amount(from: &reader)
        sequence = try reader.u64()
        locked = try Amount(from: &reader)
    }
}

/// A task registered by PAY_FOR_TASK and its escrow. Canonical: tag `taskEscrow` (0x14), version 1,
/// `client 20B, escrow u64, settled bool, definitionHash 32B, datasetRoot 32B, testSetRoot 32B, height u64`.
public struct TaskEscrow: Sendable, Hashable, CanonicalCodable {
    public var client: Address
    public var escrow: Amount
    public var settled: Bool
    public var definitionHash: Hash256
    public var datasetRoot: Hash256
    public var testSetRoot: Hash256
    /// Height of the block that registered the task.
    public var height: UInt64

    public init(
        client: Address,
        escrow: Amount,
        settled: Bool,
        definitionHash: Hash256,
        datasetRoot: Hash256,
        testSetRoot: Hash256,
        height: UInt64
    ) {
        self.client = client
        self.escrow = escrow
        self.settled = settled
        self.definitionHash = definitionHash
        self.datasetRoot = datasetRoot
        self.testSetRoot = testSetRoot
        self.height = height
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .taskEscrow, version: 1)
        client.encode(to: &writer)
        escrow.encode(to: &writer)
        writer.bool(settled)
        writer.hash(definitionHash)
        writer.hash(datasetRoot)
        writer.hash(testSetRoot)
        writer.u64(height)
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .taskEscrow, versions: 1...1)
        client = try Address(from: &reader)
        escrow = try Amount(from: &reader)
        settled = try reader.bool(field: "taskEscrow.settled")
        definitionHash = try reader.hash()
        datasetRoot = try reader.hash()
        testSetRoot = try reader.hash()
        height = try reader.u64()
    }
}

/// Tickets bought by one BUY_TICKETS transaction (keyed by its id). Canonical: tag `ticketRecord` (0x15),
/// version 1, `owner 20B, role u8, count u32, stake u64, vrfPublicKey 33B, preferences (len-prefixed), height u64`.
public struct TicketRecord: Sendable, Hashable, CanonicalCodable {
    public var owner: Address
    public var role: TicketRole
    public var count: UInt32
    public var stake: Amount
    public var vrfPublicKey: [UInt8]
    public var preferences: [UInt8]
    public var height: UInt64

    public init(
        owner: Address,
        role: TicketRole,
        count: UInt32,
        stake: Amount,
        vrfPublicKey: [UInt8],
        preferences: [UInt8],
        height: UInt64
    ) {
        self.owner = owner
        self.role = role
        self.count = count
        self.stake = stake
        self.vrfPublicKey = vrfPublicKey
        self.preferences = preferences
        self.height = height
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .ticketRecord, version: 1)
        owner.encode(to: &writer)
        writer.u8(role.rawValue)
        writer.u32(count)
        stake.encode(to: &writer)
        writer.raw(vrfPublicKey)
        writer.lengthPrefixed(preferences)
        writer.u64(height)
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .ticketRecord, versions: 1...1)
        owner = try Address(from: &reader)
        let roleByte = try reader.u8()
        guard let role = TicketRole(rawValue: roleByte) else {
            throw CanonicalDecodingError.invalidValue(field: "ticket.role", reason: "unknown role \(roleByte)")
        }
        self.role = role
        count = try reader.u32()
        stake = try Amount(from: &reader)
        vrfPublicKey = try reader.raw(BuyTickets.vrfPublicKeyBytes)
        preferences = try reader.lengthPrefixed(field: "ticket.preferences", limit: TransactionLimits.preferenceBytes)
        height = try reader.u64()
    }
}

/// Keys of the ledger's state table. Byte order of keys is the order the state hash covers them in.
///
/// `a‖address` → `AccountState`; `t‖taskId` → `TaskEscrow`; `k‖ticketId` → `TicketRecord`; `m‖name` → a u64
/// counter (`burned`: base units destroyed by slashing).
public enum StateKey {
    public static func account(_ address: Address) -> [UInt8] { [UInt8(ascii: "a")] + address.bytes }
    public static func task(_ id: Hash256) -> [UInt8] { [UInt8(ascii: "t")] + id.bytes }
    public static func ticket(_ id: Hash256) -> [UInt8] { [UInt8(ascii: "k")] + id.bytes }
    public static let burned: [UInt8] = Array("mburned".utf8)
}

/// The undo record of one connected block: the value every state key it touched had before (nil = absent).
/// Canonical: tag `blockUndo` (0x16), version 1, `blockId 32B`, count, then per key (in key order)
/// `key (len-prefixed), present bool, value (len-prefixed, if present)`.
public struct BlockUndo: Sendable, Hashable, CanonicalCodable {
    public var blockId: Hash256
    public var previous: [(key: [UInt8], value: [UInt8]?)]

    public init(blockId: Hash256, previous: [(key: [UInt8], value: [UInt8]?)]) {
        self.blockId = blockId
        self.previous = previous
    }

    public static func == (lhs: BlockUndo, rhs: BlockUndo) -> Bool { lhs.canonicalBytes == rhs.canonicalBytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonicalBytes) }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .blockUndo, version: 1)
        writer.hash(blockId)
        writer.length(previous.count)
        for entry in previous {
            writer.lengthPrefixed(entry.key)
            writer.bool(entry.value != nil)
            if let v = entry.value { writer.lengthPrefixed(v) }
        }
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .blockUndo, versions: 1...1)
        blockId = try reader.hash()
        let n = try reader.length(field: "undo.entries", limit: 1 << 22)
        previous = []
        for _ in 0..<n {
            let key = try reader.lengthPrefixed(field: "undo.key", limit: 64)
            let present = try reader.bool(field: "undo.present")
            previous.append((key, present ? try reader.lengthPrefixed(field: "undo.value", limit: 1 << 16) : nil))
        }
    }
}

/// What the node knows about one block it has stored: height, cumulative work, and where it stands.
/// Canonical: tag `blockIndexRecord` (0x17), version 1, `height u64, chainWork 32B (big-endian), status u8,
/// bodyHash 32B` (the store key of the block's canonical bytes), then the header record.
public struct BlockIndexRecord: Sendable, Hashable, CanonicalCodable {
    /// Validation status of a stored block.
    public enum Status: UInt8, Sendable {
        /// Header and body checked without the ledger; not (yet) connected.
        case valid = 0
        /// Failed contextual validation; never reconsidered.
        case invalid = 1
    }

    public var height: UInt64
    public var chainWork: UInt256
    public var status: Status
    /// SHA-256 of the block's canonical bytes: where its body is stored.
    public var bodyHash: Hash256
    public var header: BlockHeader

    public init(height: UInt64, chainWork: UInt256, status: Status, bodyHash: Hash256, header: BlockHeader) {
        self.height = height
        self.chainWork = chainWork
        self.status = status
        self.bodyHash = bodyHash
        self.header = header
    }

    public func encode(to writer: inout ByteWriter) {
        writer.header(tag: .blockIndexRecord, version: 1)
        writer.u64(height)
        writer.hash(chainWork.hash256)
        writer.u8(status.rawValue)
        writer.hash(bodyHash)
        header.encode(to: &writer)
    }

    public init(from reader: inout ByteReader) throws {
        try reader.header(tag: .blockIndexRecord, versions: 1...1)
        height = try reader.u64()
        chainWork = UInt256(try reader.hash())
        let s = try reader.u8()
        guard let status = Status(rawValue: s) else {
            throw CanonicalDecodingError.invalidValue(field: "blockIndex.status", reason: "unknown status \(s)")
        }
        self.status = status
        bodyHash = try reader.hash()
        header = try BlockHeader(from: &reader)
    }
}

public import PoUWCore

/// Read access to the ledger's state table (key → canonical record bytes).
public protocol LedgerReading {
    /// The value under `key`, or `nil` if absent.
    func stateValue(forKey key: [UInt8]) throws(ChainError) -> [UInt8]?
}

/// Uncommitted changes on top of a ledger: reads see the changes first, and the first value seen under every
/// written key is kept, so the overlay can produce the undo record of exactly what it changed.
///
/// Guarantees: nothing reaches the base until the caller commits `changes`; `undoEntries` restores the base.
public struct LedgerOverlay {
    let base: any LedgerReading
    /// Written keys and their new values (`nil` = deleted).
    public private(set) var changes: [[UInt8]: [UInt8]?] = [:]
    /// Original base values of written keys.
    private var originals: [[UInt8]: [UInt8]?] = [:]

    /// Keys written since `beginJournal()`, each with the overlay's entry before the write, so that
    /// `rollBack()` can take back one transaction's writes (`nil`: not journaling).
    private var journal: [(key: [UInt8], previous: [UInt8]??)]?

    public init(base: any LedgerReading) { self.base = base }

    /// An overlay that starts with `changes` already made on `base` (a mempool's pending effects). The
    /// dictionary is taken over as is: pass it uniquely referenced and no copy is made.
    init(base: any LedgerReading, changes: [[UInt8]: [UInt8]?]) {
        self.base = base
        self.changes = changes
    }

    /// Starts recording writes for `rollBack()`.
    mutating func beginJournal() { journal = [] }

    /// Undoes every write since `beginJournal()` (newest first) and stops journaling.
    mutating func rollBack() {
        for entry in (journal ?? []).reversed() { changes[entry.key] = entry.previous }
        journal = nil
    }

    /// Moves the changes out (leaving the overlay empty), so the caller holds the only reference.
    mutating func takeChanges() -> [[UInt8]: [UInt8]?] {
        journal = nil
        originals = [:]
        defer { changes = [:] }
        return changes
    }

    public func value(forKey key: [UInt8]) throws(ChainError) -> [UInt8]? {
        if let changed = changes[key] { return changed }
        return try base.stateValue(forKey: key)
    }

    public mutating func set(_ key: [UInt8], _ value: [UInt8]?) throws(ChainError) {
        if originals[key] == nil { originals[key] = .some(try base.stateValue(forKey: key)) }
        journal?.append((key, changes[key]))
        changes[key] = .some(value)
    }

    /// The previous value of every written key, in key order (for `BlockUndo`); unchanged keys are dropped.
    public func undoEntries() -> [(key: [UInt8], value: [UInt8]?)] {
        originals.compactMap { key, original -> (key: [UInt8], value: [UInt8]?)? in
            changes[key] == original ? nil : (key, original)
        }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    /// Net changes, in key order, dropping writes that restored the original value.
    public func netChanges() -> [(key: [UInt8], value: [UInt8]?)] {
        changes.compactMap { key, value -> (key: [UInt8], value: [UInt8]?)? in
            originals[key] == value ? nil : (key, value)
        }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    // MARK: typed access

    public func account(_ address: Address) throws(ChainError) -> AccountState {
        guard let bytes = try value(forKey: StateKey.account(address)) else { return .empty }
        return try decodeState(AccountState.self, bytes, key: StateKey.account(address))
    }

    public mutating func setAccount(_ address: Address, _ state: AccountState) throws(ChainError) {
        try set(StateKey.account(address), state == .empty ? nil : state.canonicalBytes)
    }

    public func task(_ id: Hash256) throws(ChainError) -> TaskEscrow? {
        guard let bytes = try value(forKey: StateKey.task(id)) else { return nil }
        return try decodeState(TaskEscrow.self, bytes, key: StateKey.task(id))
    }

    public mutating func setTask(_ id: Hash256, _ task: TaskEscrow) throws(ChainError) {
        try set(StateKey.task(id), task.canonicalBytes)
    }

    public func ticket(_ id: Hash256) throws(ChainError) -> TicketRecord? {
        guard let bytes = try value(forKey: StateKey.ticket(id)) else { return nil }
        return try decodeState(TicketRecord.self, bytes, key: StateKey.ticket(id))
    }

    public mutating func setTicket(_ id: Hash256, _ ticket: TicketRecord) throws(ChainError) {
        try set(StateKey.ticket(id), ticket.canonicalBytes)
    }

    public func burned() throws(ChainError) -> Amount {
        guard let bytes = try value(forKey: StateKey.burned) else { return .zero }
        return try decodeState(Amount.self, bytes, key: StateKey.burned)
    }

    public mutating func setBurned(_ amount: Amount) throws(ChainError) {
        try set(StateKey.burned, amount == .zero ? nil : amount.canonicalBytes)
    }
}

func decodeState<T: CanonicalDecodable>(_: T.Type, _ bytes: [UInt8], key: [UInt8]) throws(ChainError) -> T {
    do {
        return try T(canonicalBytes: bytes)
    } catch {
        throw .corruptState(key: Hex.encode(key), reason: "\(error)")
    }
}

extension LedgerOverlay: LedgerReading {
    public func stateValue(forKey key: [UInt8]) throws(ChainError) -> [UInt8]? { try value(forKey: key) }
}

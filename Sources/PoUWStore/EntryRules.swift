extension Collection {
    /// What is wrong with an entry of this collection with these key and value bytes, or `nil` when it has the
    /// shape the store writes (sizes only; whether the objects it names exist is `verify`'s business).
    ///
    /// The rule every reader of a collection relies on: an import refuses an entry that breaks it, and `verify`
    /// names one found on disk.
    func entryProblem(key: [UInt8], value: [UInt8]) -> String? {
        func sizes(key expectedKey: Int, value expectedValue: Int?) -> String? {
            if key.count != expectedKey { return "key of \(key.count) bytes, expected \(expectedKey)" }
            if let expectedValue, value.count != expectedValue {
                return "value of \(value.count) bytes, expected \(expectedValue)"
            }
            return nil
        }
        switch self {
        case .blocks: return sizes(key: 8, value: 32)
        case .blockIndex: return sizes(key: 32, value: nil)
        case .txIndex: return sizes(key: 32, value: 36)
        case .history, .datasets: return sizes(key: 40, value: 32)
        case .checkpoints:
            // Task hash, the miner id's length, the miner id, the iteration.
            guard key.count > 32 else { return "key of \(key.count) bytes, too short for a checkpoint" }
            return sizes(key: 32 + 1 + Int(key[32]) + 8, value: 32)
        case .undo: return sizes(key: 8, value: nil)
        case .state: return (1...511).contains(key.count) ? nil : "key of \(key.count) bytes, expected 1–511"
        case .objects: return sizes(key: 32, value: 8)
        case .values: return key.count == 40 ? nil : "key of \(key.count) bytes, expected 40"
        case .meta: return nil
        }
    }
}

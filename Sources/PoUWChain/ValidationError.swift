public import PoUWCore

/// Why a block or transaction is invalid: one case per rule, with the values that broke it.
///
/// Guarantees: a rejected block or transaction never changes the stored chain or ledger; the first rule that
/// fails (in the order documented in Docs/chain.md) is the one reported.
public enum ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    // Encoding and size
    case malformed(CanonicalDecodingError)
    case blockTooLarge(bytes: Int, limit: Int)
    case transactionTooLarge(tx: Hash256, bytes: Int, limit: Int)
    case tooManyTransactions(count: Int, limit: Int)
    // Block structure
    case missingCoinbase
    case coinbaseNotFirst(index: Int)
    case duplicateTransaction(tx: Hash256)
    case transactionRootMismatch(header: Hash256, computed: Hash256)
    case unsupportedBlockVersion(UInt32)
    // Header in context
    case badBits(expected: UInt32, found: UInt32)
    case invalidTarget(bits: UInt32)
    case timeNotAfterMedian(time: UInt64, medianTimePast: UInt64)
    case timeTooFarInFuture(time: UInt64, limit: UInt64)
    case workRejected(reason: String)
    // Transactions, stateless
    case badSignature(tx: Hash256)
    case badEvaluatorSignature(tx: Hash256, index: Int)
    case invalidField(tx: Hash256, field: String, reason: String)
    // Transactions, contextual
    case badSequence(tx: Hash256, expected: UInt64, found: UInt64)
    case insufficientFunds(tx: Hash256, account: Address, needed: Amount, available: Amount)
    case insufficientLockedStake(tx: Hash256, account: Address, needed: Amount, locked: Amount)
    case amountOverflow(tx: Hash256)
    case coinbaseHeight(expected: UInt64, found: UInt64)
    case coinbaseAmount(expected: Amount, found: Amount)
    case unknownTask(tx: Hash256, task: Hash256)
    case taskAlreadySettled(tx: Hash256, task: Hash256)
    case payoutsExceedEscrow(tx: Hash256, payouts: Amount, escrow: Amount)
    case duplicateTask(tx: Hash256)
    case ruleRejected(tx: Hash256, reason: String)

    public var description: String {
        switch self {
        case .malformed(let e): "malformed encoding: \(e)"
        case .blockTooLarge(let bytes, let limit): "block is \(bytes) bytes, limit \(limit)"
        case .transactionTooLarge(let tx, let bytes, let limit):
            "transaction \(tx.short) is \(bytes) bytes, limit \(limit)"
        case .tooManyTransactions(let count, let limit): "\(count) transactions, limit \(limit)"
        case .missingCoinbase: "the first transaction is not a coinbase"
        case .coinbaseNotFirst(let index): "a coinbase at index \(index) (only index 0 may be one)"
        case .duplicateTransaction(let tx): "transaction \(tx.short) appears twice"
        case .transactionRootMismatch(let header, let computed):
            "txRoot \(header.short) does not match the transactions (\(computed.short))"
        case .unsupportedBlockVersion(let v): "block version \(v) is not supported"
        case .badBits(let expected, let found):
            "bits 0x\(String(found, radix: 16)) but the retarget rule requires 0x\(String(expected, radix: 16))"
        case .invalidTarget(let bits): "bits 0x\(String(bits, radix: 16)) is not a valid target"
        case .timeNotAfterMedian(let time, let mtp): "time \(time) is not after the median time past \(mtp)"
        case .timeTooFarInFuture(let time, let limit): "time \(time) is beyond the future limit \(limit)"
        case .workRejected(let reason): "proof of work rejected: \(reason)"
        case .badSignature(let tx): "transaction \(tx.short) has an invalid signature"
        case .badEvaluatorSignature(let tx, let index):
            "transaction \(tx.short): evaluator signature \(index) is invalid"
        case .invalidField(let tx, let field, let reason): "transaction \(tx.short): \(field): \(reason)"
        case .badSequence(let tx, let expected, let found):
            "transaction \(tx.short) has sequence \(found), the account expects \(expected)"
        case .insufficientFunds(let tx, let account, let needed, let available):
            "transaction \(tx.short): account \(account) needs \(needed) but has \(available)"
        case .insufficientLockedStake(let tx, let account, let needed, let locked):
            "transaction \(tx.short): account \(account) has \(locked) locked, \(needed) needed"
        case .amountOverflow(let tx): "transaction \(tx.short): an amount overflows"
        case .coinbaseHeight(let expected, let found): "coinbase height \(found), block height \(expected)"
        case .coinbaseAmount(let expected, let found): "coinbase pays \(found), subsidy + fees is \(expected)"
        case .unknownTask(let tx, let task): "transaction \(tx.short): unknown task \(task.short)"
        case .taskAlreadySettled(let tx, let task): "transaction \(tx.short): task \(task.short) is already settled"
        case .payoutsExceedEscrow(let tx, let payouts, let escrow):
            "transaction \(tx.short): payouts \(payouts) exceed the escrow \(escrow)"
        case .duplicateTask(let tx): "transaction \(tx.short): the task already exists"
        case .ruleRejected(let tx, let reason): "transaction \(tx.short): \(reason)"
        }
    }
}

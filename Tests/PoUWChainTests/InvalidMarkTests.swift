import PoUWCore
import PoUWCrypto
import Testing

@testable import PoUWChain

@Suite("Invalid-block marks survive a restart")
struct InvalidMarkTests {
    let bob = Address(bytes: [UInt8](repeating: 0xb0, count: 20))!

    @Test func aRejectedBlockAndItsChildrenStayKnownInvalidAfterReopening() throws {
        let directory = try TemporaryDirectory.make()
        let t = try TestChain(storage: StoreChainStorage(directory: directory))
        try t.extend([TestChain.transfer(from: 0, to: bob, units: 42, sequence: 0)])
        // A replay of the mined transfer: fails contextual validation (sequence already used).
        let replay = try t.block([TestChain.transfer(from: 0, to: bob, units: 42, sequence: 0)])
        let reason = ValidationError.badSequence(
            tx: TestChain.transfer(from: 0, to: bob, units: 42, sequence: 0).id,
            expected: 1,
            found: 0
        )
        try t.expectRejected(replay, .invalidBlock(id: replay.id, reason))
        let record = try #require(try t.chain.indexRecord(replay.id))
        #expect(record.status == .invalid)
        #expect(record.height == 2)
        #expect(try t.chain.block(replay.id) == nil)  // the mark is stored, the body is not

        // A child of the invalid block, built by hand (the chain will not build on it).
        let context = NextBlockContext(prev: replay.id, height: 3, bits: replay.header.bits, medianTimePast: 0)
        let child = try #require(
            BlockAssembler.grindTargetOnly(
                BlockAssembler.assemble(
                    context: context,
                    transactions: [],
                    miner: bob,
                    time: replay.header.time + 2,
                    parameters: t.parameters
                )
            )
        )

        // After a restart: the block is refused without being validated again, and so is its child.
        let reopened = try TestChain(storage: StoreChainStorage(directory: directory))
        let state = try reopened.chain.stateHash()
        #expect(throws: ChainError.knownInvalid(id: replay.id)) { try reopened.chain.process(replay) }
        #expect(throws: ChainError.knownInvalid(id: child.id)) { try reopened.chain.process(child) }
        #expect(try reopened.chain.stateHash() == state)
        #expect(reopened.chain.tip == t.chain.tip)
        // The chain itself carries on.
        try reopened.extend([TestChain.transfer(from: 0, to: bob, units: 1, sequence: 1)])
        #expect(try reopened.chain.account(bob).balance.units == 43)
    }

    @Test(arguments: StorageKind.allCases) func aFailedReorgMarksTheBranchInStorage(kind: StorageKind) throws {
        let storage = try kind.make()
        let t = try TestChain(storage: storage)
        let genesis = t.chain.tip.id
        try t.extend([TestChain.transfer(from: 0, to: bob, units: 100, sequence: 0)])
        try t.extend()
        let all = try t.chain.account(TestChain.address(2)).balance.units
        let b1 = try t.block(parent: genesis)
        try t.chain.process(b1)
        let b2 = try t.block([TestChain.transfer(from: 2, to: bob, units: all, sequence: 0)], parent: b1.id)
        try t.chain.process(b2)
        let b3 = try t.block(parent: b2.id)
        #expect(throws: ChainError.self) { try t.chain.process(b3) }
        // b2 failed while connecting; b3 descends from it. b1 is valid and stays so.
        #expect(try storage.blockIndexRecord(b1.id)?.status == .valid)
        #expect(try storage.blockIndexRecord(b2.id)?.status == .invalid)
        #expect(try storage.blockIndexRecord(b3.id)?.status == .invalid)
        // A fresh engine on the same storage knows it without replaying the branch.
        let reopened = try Blockchain(
            storage: storage,
            parameters: .local,
            work: TargetOnlyWorkValidator(),
            clock: { TestChain.now }
        )
        #expect(throws: ChainError.knownInvalid(id: b3.id)) { try reopened.process(b3) }
        #expect(throws: ChainError.alreadyKnown(id: b1.id)) { try reopened.process(b1) }
    }
}

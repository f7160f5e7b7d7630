import PoUWCore
import Testing

@testable import PoUWStore

@Suite("Encoding ahead on other cores")
struct ParallelEncoderTests {
    struct Stop: Error, Equatable { let index: Int }

    let codec = ValueCodec(dictionaries: DictionaryRegistry(), maxObjectSize: 1 << 20)

    func objects(_ count: Int) -> [[UInt8]] {
        var random = TestRandom(5)
        return (0..<count).map { i in Array("object \(i) ".utf8) + random.bytes(i % 7 == 0 ? 600 : 40) }
    }

    @Test("the caller sees every object once, in order, with its hash and exactly the value one thread makes")
    func inOrder() throws {
        for count in [0, 1, 127, 128, 1000, 1013] {
            let list = objects(count)
            var seen: [Int] = []
            try ParallelEncoder.forEachEncoded(.message, list, codec: codec) { index, hash, value in
                seen.append(index)
                #expect(hash == Hash256.sha256(list[index]))
                let alone = try codec.encode(.message, list[index])
                #expect(value == alone)
            }
            #expect(seen == Array(0..<count))
        }
    }

    @Test("a consumer that throws stops the work: the error comes back, nothing after it is consumed")
    func consumerThrows() throws {
        let list = objects(2000)
        for stop in [0, 17, 700, 1999] {
            var last = -1
            let error = #expect(throws: Stop.self) {
                try ParallelEncoder.forEachEncoded(.message, list, codec: codec) { index, _, _ in
                    last = index
                    if index == stop { throw Stop(index: index) }
                }
            }
            #expect(error == Stop(index: stop))
            #expect(last == stop)
        }
    }
}

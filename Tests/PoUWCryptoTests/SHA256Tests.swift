import PoUWCore
import PoUWCrypto
import Testing

@Suite struct SHA256Tests {
    // NIST FIPS 180-4 examples.
    @Test func nistVectors() {
        #expect(Hash256.sha256([]).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let two = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(Hash256.sha256(two).hex == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func streamingEqualsOneShot() {
        let data = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var hasher = SHA256.Hasher()
        hasher.update(Array(data[..<1234]))
        hasher.update(Array(data[1234...]))
        #expect(hasher.finalize() == SHA256.hash(data))
    }

    @Test func millionA() {
        let data = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(Hash256.sha256(data).hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

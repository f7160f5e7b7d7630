import PoUWCore
import PoUWCrypto
import Testing

@Suite struct AmountTests {
    @Test func formatsAndParses() throws {
        #expect(Amount(units: 1_234_500_000).description == "12.345 PAI")
        #expect(Amount(units: 100_000_000).description == "1 PAI")
        #expect(Amount(units: 1).description == "0.00000001 PAI")
        #expect(Amount.zero.description == "0 PAI")
        #expect(Amount(units: UInt64.max).description == "184467440737.09551615 PAI")
        #expect(try Amount.parse("12.345 PAI") == Amount(units: 1_234_500_000))
        #expect(try Amount.parse("12.345") == Amount(units: 1_234_500_000))
        #expect(try Amount.parse("0.00000001PAI") == Amount(units: 1))
        #expect(try Amount.parse("7") == Amount(units: 700_000_000))
        #expect(try Amount.parse("184467440737.09551615 PAI") == Amount(units: UInt64.max))
        for units: UInt64 in [0, 1, 10, 99_999_999, 100_000_000, 123_456_789_012, UInt64.max] {
            #expect(try Amount.parse(Amount(units: units).description) == Amount(units: units))
        }
    }

    @Test func rejectsBadText() {
        for text in ["", "PAI", "1.", ".5", "-1", "+1", "1.123456789", "1e8", "1,5", "0x10", "١", "1.2.3", "12 PIA"] {
            #expect(throws: AmountError.self, "\(text)") { try Amount.parse(text) }
        }
        #expect(throws: AmountError.overflow) { try Amount.parse("184467440737.09551616") }
        #expect(throws: AmountError.overflow) { try Amount.parse("99999999999999999999999") }
    }

    @Test func checkedArithmetic() throws {
        let a = Amount(units: 5)
        #expect(try a.adding(Amount(units: 7)) == Amount(units: 12))
        #expect(try a.subtracting(Amount(units: 5)) == .zero)
        #expect(throws: AmountError.underflow) { try a.subtracting(Amount(units: 6)) }
        #expect(throws: AmountError.overflow) { try Amount(units: UInt64.max).adding(Amount(units: 1)) }
        #expect(throws: AmountError.overflow) { try Amount(units: UInt64.max / 2 + 1).multiplied(by: 2) }
        #expect(throws: AmountError.overflow) { try Amount(pai: UInt64.max / 100_000_000 + 1) }
        #expect(try Amount.sum([a, a, a]) == Amount(units: 15))
    }

    @Test func canonicalForm() throws {
        let a = Amount(units: 0x0102_0304_0506_0708)
        #expect(a.canonicalBytes == [8, 7, 6, 5, 4, 3, 2, 1])
        #expect(try Amount(canonicalBytes: a.canonicalBytes) == a)
        #expect(throws: CanonicalDecodingError.self) { try Amount(canonicalBytes: [1, 2, 3]) }
    }
}

@Suite struct AddressTests {
    @Test func addressIsTheFirst20BytesOfSHA256OfTheKey() throws {
        // RFC 8032 TEST 1 public key.
        let key = try Ed25519.PublicKey(
            bytes: Hex.decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")!
        )
        let address = Address(publicKey: key)
        #expect(address.bytes == Array(Hash256.sha256(key.bytes).bytes[..<20]))
        #expect(address.hex.count == 40)
        #expect(Address(hex: address.hex) == address)
        #expect(try Address(canonicalBytes: address.canonicalBytes) == address)
        #expect(address.canonicalBytes == address.bytes)
    }

    @Test func rejectsWrongLengths() {
        #expect(Address(bytes: [UInt8](repeating: 1, count: 19)) == nil)
        #expect(Address(bytes: [UInt8](repeating: 1, count: 21)) == nil)
        #expect(Address(hex: "zz") == nil)
        #expect(throws: CanonicalDecodingError.self) { try Address(canonicalBytes: [UInt8](repeating: 0, count: 19)) }
        #expect(throws: CanonicalDecodingError.self) { try Address(canonicalBytes: [UInt8](repeating: 0, count: 21)) }
    }

    @Test func orderFollowsBytes() {
        let a = Address(bytes: [UInt8](repeating: 0, count: 19) + [1])!
        let b = Address(bytes: [1] + [UInt8](repeating: 0, count: 19))!
        #expect(a < b)
        #expect(Hex.encode(a.bytes) < Hex.encode(b.bytes))
    }
}

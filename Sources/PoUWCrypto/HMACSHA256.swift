/// HMAC-SHA-256 (RFC 2104) built on `SHA256.Hasher`; used by the RFC 6979 nonce of the VRF.
enum HMACSHA256 {
    static func mac(key: [UInt8], _ parts: [UInt8]...) -> [UInt8] {
        var block = key.count > 64 ? SHA256.hash(key).bytes : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        var inner = SHA256.Hasher()
        inner.update(block.map { $0 ^ 0x36 })
        for part in parts { inner.update(part) }
        let innerDigest = inner.finalize().bytes
        var outer = SHA256.Hasher()
        outer.update(block.map { $0 ^ 0x5c })
        outer.update(innerDigest)
        return outer.finalize().bytes
    }
}

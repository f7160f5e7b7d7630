internal import COpenSSL

/// NIST P-256 arithmetic for the VRF over OpenSSL's EC_GROUP / EC_POINT / BIGNUM, with ownership in small classes
/// so that every OpenSSL object is freed exactly once. Nothing here is public.
///
/// The group object is created once and only read afterwards, which OpenSSL allows from several threads; every
/// operation gets its own `BN_CTX`. Secret scalars carry `BN_FLG_CONSTTIME` and are cleared when freed.
final class P256: @unchecked Sendable {
    static let shared = P256()

    let group: OpaquePointer
    /// The group order q, big-endian, 32 bytes.
    let orderBytes: [UInt8]
    /// The field prime p, big-endian, 32 bytes.
    let primeBytes: [UInt8]

    private init() {
        guard let group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1) else {
            preconditionFailure("OpenSSL has no P-256 group")
        }
        self.group = group
        let ctx = BNContext()
        let p = BigNum()
        let a = BigNum()
        let b = BigNum()
        withExtendedLifetime((p, a, b, ctx)) {
            precondition(EC_GROUP_get_curve(group, p.ptr, a.ptr, b.ptr, ctx.ptr) == 1, "EC_GROUP_get_curve failed")
        }
        primeBytes = p.bytes(32)
        order = BigNum(borrowing: EC_GROUP_get0_order(group))
        orderBytes = order.bytes(32)
    }

    /// The group order q (owned by `group`, which lives as long as the process).
    let order: BigNum

    /// Whether a big-endian 32-byte integer is below q.
    func isBelowOrder(_ bytes: some Collection<UInt8>) -> Bool { P256.lessThan(bytes, orderBytes) }

    static func lessThan(_ a: some Collection<UInt8>, _ b: [UInt8]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return x < y }
        return false
    }

    /// Decodes a 33-byte SEC1 compressed point, rejecting other prefixes, x ≥ p, points off the curve and the
    /// identity.
    func decode(_ bytes: some Collection<UInt8>, _ ctx: BNContext) throws(CryptoError) -> ECPoint {
        let bytes = Array(bytes)
        guard bytes.count == 33 else { throw .length("compressed P-256 point", expected: 33, found: bytes.count) }
        guard bytes[0] == 0x02 || bytes[0] == 0x03 else {
            throw CryptoError(.invalidPoint, "point prefix 0x\(hexByte(bytes[0])) is not 0x02 or 0x03 (compressed)")
        }
        guard P256.lessThan(bytes[1...], primeBytes) else {
            throw CryptoError(.invalidPoint, "point x-coordinate is not below the field prime")
        }
        let point = ECPoint(group)
        let ok = bytes.withUnsafeBufferPointer { EC_POINT_oct2point(group, point.ptr, $0.baseAddress, 33, ctx.ptr) }
        guard ok == 1 else {
            ERR_clear_error()
            throw CryptoError(.invalidPoint, "no point of P-256 has this x-coordinate")
        }
        guard EC_POINT_is_at_infinity(group, point.ptr) == 0, EC_POINT_is_on_curve(group, point.ptr, ctx.ptr) == 1
        else {
            ERR_clear_error()
            throw CryptoError(.invalidPoint, "point is the identity or not on P-256")
        }
        return point
    }

    /// Tries to decode a 33-byte compressed point; `nil` when it is not one (used by try-and-increment).
    func tryDecode(_ bytes: [UInt8], _ ctx: BNContext) -> ECPoint? {
        guard P256.lessThan(bytes[1...], primeBytes) else { return nil }
        let point = ECPoint(group)
        let ok = bytes.withUnsafeBufferPointer { EC_POINT_oct2point(group, point.ptr, $0.baseAddress, 33, ctx.ptr) }
        if ok != 1 {
            ERR_clear_error()
            return nil
        }
        return point
    }

    /// The 33-byte compressed encoding of a point that is not the identity.
    func encode(_ point: ECPoint, _ ctx: BNContext) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 33)
        let written = out.withUnsafeMutableBufferPointer {
            EC_POINT_point2oct(group, point.ptr, POINT_CONVERSION_COMPRESSED, $0.baseAddress, 33, ctx.ptr)
        }
        precondition(written == 33, "EC_POINT_point2oct failed on a non-identity point")
        return out
    }

    /// `g·G + p·P` (either term may be omitted).
    func mul(generator g: BigNum?, point: ECPoint? = nil, scalar: BigNum? = nil, _ ctx: BNContext) -> ECPoint {
        let result = ECPoint(group)
        let ok = EC_POINT_mul(group, result.ptr, g?.ptr, point?.ptr, scalar?.ptr, ctx.ptr)
        precondition(ok == 1, "EC_POINT_mul failed")
        return result
    }

    /// `a·A + b·B`.
    func mul(_ a: BigNum, _ pointA: ECPoint, _ b: BigNum, _ pointB: ECPoint, _ ctx: BNContext) -> ECPoint {
        let first = mul(generator: nil, point: pointA, scalar: a, ctx)
        let second = mul(generator: nil, point: pointB, scalar: b, ctx)
        let result = ECPoint(group)
        withExtendedLifetime((first, second)) {
            precondition(EC_POINT_add(group, result.ptr, first.ptr, second.ptr, ctx.ptr) == 1, "EC_POINT_add failed")
        }
        return result
    }

    func isIdentity(_ point: ECPoint) -> Bool { EC_POINT_is_at_infinity(group, point.ptr) == 1 }

    /// `(a + b·c) mod q`.
    func mulAdd(_ a: BigNum, _ b: BigNum, _ c: BigNum, _ ctx: BNContext) -> BigNum {
        let product = BigNum()
        let sum = BigNum()
        precondition(BN_mod_mul(product.ptr, b.ptr, c.ptr, order.ptr, ctx.ptr) == 1, "BN_mod_mul failed")
        precondition(BN_mod_add(sum.ptr, a.ptr, product.ptr, order.ptr, ctx.ptr) == 1, "BN_mod_add failed")
        return sum
    }

    /// `q − a` for 0 < a < q.
    func negate(_ a: BigNum) -> BigNum {
        let result = BigNum()
        precondition(BN_sub(result.ptr, order.ptr, a.ptr) == 1, "BN_sub failed")
        return result
    }
}

/// An owned `BIGNUM`, cleared and freed on deinit.
final class BigNum {
    let ptr: OpaquePointer
    private let owned: Bool

    init() {
        guard let ptr = BN_new() else { preconditionFailure("BN_new: out of memory") }
        self.ptr = ptr
        owned = true
    }

    /// A non-negative integer from big-endian bytes.
    init(bytes: some Collection<UInt8>, secret: Bool = false) {
        let array = Array(bytes)
        guard let ptr = array.withUnsafeBufferPointer({ BN_bin2bn($0.baseAddress, Int32($0.count), nil) }) else {
            preconditionFailure("BN_bin2bn: out of memory")
        }
        self.ptr = ptr
        owned = true
        if secret { BN_set_flags(ptr, BN_FLG_CONSTTIME) }
    }

    /// Wraps a BIGNUM owned by someone else (not freed here).
    init(borrowing ptr: OpaquePointer) {
        self.ptr = ptr
        owned = false
    }

    deinit { if owned { BN_clear_free(ptr) } }

    var isZero: Bool { BN_is_zero(ptr) == 1 }

    /// Big-endian, left-padded to `count` bytes (the value must fit).
    func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let n = out.withUnsafeMutableBufferPointer { BN_bn2binpad(ptr, $0.baseAddress, Int32(count)) }
        precondition(n == count, "BN_bn2binpad: value does not fit")
        return out
    }
}

/// An owned `EC_POINT`.
final class ECPoint {
    let ptr: OpaquePointer

    init(_ group: OpaquePointer) {
        guard let ptr = EC_POINT_new(group) else { preconditionFailure("EC_POINT_new: out of memory") }
        self.ptr = ptr
    }

    deinit { EC_POINT_free(ptr) }
}

/// An owned `BN_CTX` (scratch space for one operation on one thread).
final class BNContext {
    let ptr: OpaquePointer

    init() {
        guard let ptr = BN_CTX_new() else { preconditionFailure("BN_CTX_new: out of memory") }
        self.ptr = ptr
    }

    deinit { BN_CTX_free(ptr) }
}

/// `result = a − b`; false on failure.
func BN_subtract(_ result: BigNum, _ a: BigNum, _ b: BigNum) -> Bool { BN_sub(result.ptr, a.ptr, b.ptr) == 1 }

func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
}

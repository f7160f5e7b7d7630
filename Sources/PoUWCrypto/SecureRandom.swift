internal import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's DRBG.
///
/// Never used in anything consensus-critical (those paths derive randomness from seeds); used for keys.
public enum SecureRandom {
    /// `count` random bytes. Traps only if the operating system's entropy source fails, which OpenSSL reports
    /// as an unrecoverable error.
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBytes { raw in
            RAND_bytes(raw.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(raw.count))
        }
        precondition(ok == 1, "OpenSSL RAND_bytes failed: the system has no usable entropy source")
        return out
    }
}

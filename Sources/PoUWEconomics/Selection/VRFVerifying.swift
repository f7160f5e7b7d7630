/// Verifies a VRF proof and yields its output. The economics rules take this as a parameter so they do not
/// depend on the VRF implementation (ECVRF-P256-SHA256-TAI, RFC 9381, lives in PoUWCrypto).
///
/// Conformers must be deterministic: the same (key, alpha, proof) always gives the same answer, and a valid
/// proof has exactly one output (the VRF's uniqueness is what stops a ticket holder from choosing its draw).
public protocol VRFVerifying: Sendable {
    /// The 32-byte output (beta) if `proof` is a valid proof for `alpha` under `publicKey`, else `nil`.
    func verifiedOutput(publicKey: [UInt8], alpha: [UInt8], proof: [UInt8]) -> [UInt8]?
}

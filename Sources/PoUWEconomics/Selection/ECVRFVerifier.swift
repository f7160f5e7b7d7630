import PoUWCrypto

/// The production `VRFVerifying`: ECVRF-P256-SHA256-TAI (RFC 9381, suite 0x01) from PoUWCrypto. Public keys are
/// 33-byte compressed points, proofs 81 bytes, outputs 32 bytes; any malformed key or proof is "not verified".
public struct ECVRFVerifier: VRFVerifying {
    public init() {}

    public func verifiedOutput(publicKey: [UInt8], alpha: [UInt8], proof: [UInt8]) -> [UInt8]? {
        guard let key = try? VRF.PublicKey(bytes: publicKey) else { return nil }
        return try? key.verify(proofBytes: proof, alpha: alpha)
    }
}

/// Why a cryptographic operation rejected its input. Every throwing API in `PoUWCrypto` throws only this type.
///
/// Guarantees: outside input (keys, signatures, proofs) never traps; each kind of defect has its own `Code`, and
/// `message` says which input was wrong in words a CLI can print as is.
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of defect.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// A key, seed, signature or proof had the wrong number of bytes.
        case invalidLength
        /// A secret scalar was zero or not below the group order.
        case invalidSecretKey
        /// A public key's bytes do not encode a valid point of the group (or encode the identity).
        case invalidPublicKey
        /// An encoded point was not on the curve, used a non-canonical or unsupported prefix, or was the identity.
        case invalidPoint
        /// A scalar in a proof was not below the group order (a non-canonical encoding).
        case invalidScalar
        /// A VRF proof was well-formed but does not verify for this key and input.
        case invalidProof
        /// Try-and-increment found no curve point within 256 attempts (probability about 2^-256).
        case hashToCurveFailed
        /// OpenSSL reported an internal failure (out of memory and the like); not caused by the input.
        case libraryFailure
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    static func length(_ what: String, expected: Int, found: Int) -> CryptoError {
        CryptoError(.invalidLength, "\(what) must be \(expected) bytes, found \(found)")
    }
}

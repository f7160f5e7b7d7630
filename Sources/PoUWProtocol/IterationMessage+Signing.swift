import PoUWCore
public import PoUWCrypto

extension UnsignedIterationMessage {
    /// Signs the canonical bytes with `key`, which must be the key named in `minerKey`.
    public func signed(with key: Ed25519.PrivateKey) throws(SigningError) -> IterationMessage {
        guard key.publicKey.bytes == minerKey.bytes else { throw .keyMismatch(expected: minerKey) }
        let signature = key.sign(canonicalBytes)
        // Ed25519 signatures are always 64 bytes, so the wrap cannot fail.
        guard let wrapped = try? MessageSignature(bytes: signature) else { preconditionFailure("Ed25519 length") }
        return IterationMessage(body: self, signature: wrapped)
    }
}

extension IterationMessage {
    /// Whether `signature` is a valid Ed25519 signature by `body.minerKey` over the body's canonical bytes. A key
    /// that is not a curve point gives `false`.
    public var hasValidSignature: Bool {
        guard let key = try? Ed25519.PublicKey(bytes: body.minerKey.bytes) else { return false }
        return key.isValidSignature(signature.bytes, for: signedBytes)
    }
}

extension NodeKey {
    /// The key of an Ed25519 signing key.
    public init(_ publicKey: Ed25519.PublicKey) {
        // An Ed25519 public key is always 32 bytes.
        guard let key = try? NodeKey(bytes: publicKey.bytes) else { preconditionFailure("Ed25519 key length") }
        self = key
    }
}

/// Why a message could not be signed.
public enum SigningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The signing key is not the key the message names.
    case keyMismatch(expected: NodeKey)

    public var description: String {
        switch self {
        case .keyMismatch(let expected): "the signing key is not the message's key \(expected.short)"
        }
    }
}

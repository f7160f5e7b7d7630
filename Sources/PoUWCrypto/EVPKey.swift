internal import COpenSSL
import Synchronization

/// Owns one OpenSSL `EVP_PKEY` (freed on deinit) and lends digest contexts to sign or verify with it.
///
/// `EVP_PKEY` is reference-counted and safe to use from several threads at once as long as each operation has
/// its own `EVP_MD_CTX`. Verification keeps one context initialised for this key and reuses it while no other
/// thread holds it (as `openssl speed` does), which skips the provider lookup of `EVP_DigestVerifyInit`. A
/// concurrent caller uses a fresh context; a reused context that reports anything but success is dropped and the
/// signature is decided again on a fresh one, so reuse can only make a valid signature cheaper, never change an
/// answer (an invalid signature after a valid one under the same key object costs two verifications).
final class EVPKey: Sendable {
    private let raw: UnsafeSendablePointer
    private let verifyContext = Mutex<UnsafeSendablePointer?>(nil)

    var pkey: OpaquePointer { raw.pointer }

    init(_ pkey: OpaquePointer) { raw = UnsafeSendablePointer(pkey) }

    deinit {
        verifyContext.withLock { if let ctx = $0 { EVP_MD_CTX_free(ctx.pointer) } }
        EVP_PKEY_free(raw.pointer)
    }

    /// Runs `body` with a new digest context (freed afterwards) and the key.
    func withDigestContext<R>(_ body: (OpaquePointer, OpaquePointer) -> R) -> R {
        guard let ctx = EVP_MD_CTX_new() else { preconditionFailure("EVP_MD_CTX_new: out of memory") }
        defer { EVP_MD_CTX_free(ctx) }
        return body(ctx, pkey)
    }

    /// One-shot `EVP_DigestVerify` of `signature` over `message`: true only when OpenSSL returns 1.
    func verify(signature: UnsafeBufferPointer<UInt8>, message: UnsafeBufferPointer<UInt8>) -> Bool {
        func once(_ ctx: OpaquePointer) -> Bool {
            let result = EVP_DigestVerify(
                ctx,
                signature.baseAddress,
                signature.count,
                message.baseAddress,
                message.count
            )
            if result != 1 { ERR_clear_error() }
            return result == 1
        }
        func fresh() -> OpaquePointer? {
            guard let ctx = EVP_MD_CTX_new() else { return nil }
            guard EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey) == 1 else {
                EVP_MD_CTX_free(ctx)
                ERR_clear_error()
                return nil
            }
            return ctx
        }
        // nil: undecided (context busy or a reused context failed), so decide with a fresh context below.
        let decided: Bool? =
            verifyContext.withLockIfAvailable { slot -> Bool? in
                if let reused = slot?.pointer {
                    if once(reused) { return true }
                    EVP_MD_CTX_free(reused)
                    slot = nil
                    return nil
                }
                guard let ctx = fresh() else { return false }
                if once(ctx) {
                    slot = UnsafeSendablePointer(ctx)
                    return true
                }
                EVP_MD_CTX_free(ctx)
                return false
            } ?? nil
        if let decided { return decided }
        guard let ctx = fresh() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        return once(ctx)
    }
}

/// An OpenSSL pointer that this module guards itself (by ownership or a lock), marked so it may cross threads.
struct UnsafeSendablePointer: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

internal import COpenSSL

/// Owns one OpenSSL `EVP_PKEY` (freed on deinit) and lends a fresh digest context to sign or verify with it.
///
/// `EVP_PKEY` is reference-counted and safe to use from several threads at once as long as each operation has
/// its own `EVP_MD_CTX`, which `withDigestContext` guarantees.
final class EVPKey: @unchecked Sendable {
    let pkey: OpaquePointer

    init(_ pkey: OpaquePointer) { self.pkey = pkey }

    deinit { EVP_PKEY_free(pkey) }

    /// Runs `body` with a new digest context (freed afterwards) and the key.
    func withDigestContext<R>(_ body: (OpaquePointer, OpaquePointer) -> R) -> R {
        guard let ctx = EVP_MD_CTX_new() else { preconditionFailure("EVP_MD_CTX_new: out of memory") }
        defer { EVP_MD_CTX_free(ctx) }
        return body(ctx, pkey)
    }
}

internal import CZstd

#if canImport(Glibc)
internal import Glibc
#endif

/// Reusable zstd compression and decompression contexts: creating one costs far more than a small frame, so
/// each call borrows one from a pool and returns it (one per thread in practice).
final class ContextPool: @unchecked Sendable {
    static let shared = ContextPool()

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var compressors: [OpaquePointer] = []
    private var decompressors: [OpaquePointer] = []
    private var scratch: [UnsafeMutableRawBufferPointer] = []
    private let limit = 16

    private init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    private func locked<R>(_ body: () -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    func withCompressor<R>(_ body: (OpaquePointer) throws -> R) throws -> R {
        let context: OpaquePointer
        if let pooled = locked({ compressors.popLast() }) {
            context = pooled
        } else if let fresh = ZSTD_createCCtx() {
            context = fresh
        } else {
            throw ZstdError.compressionFailed("out of memory creating a compression context")
        }
        defer {
            let kept = locked { () -> Bool in
                guard compressors.count < limit else { return false }
                compressors.append(context)
                return true
            }
            if !kept { ZSTD_freeCCtx(context) }
        }
        return try body(context)
    }

    func withDecompressor<R>(_ body: (OpaquePointer) throws -> R) throws -> R {
        let context: OpaquePointer
        if let pooled = locked({ decompressors.popLast() }) {
            context = pooled
        } else if let fresh = ZSTD_createDCtx() {
            context = fresh
        } else {
            throw ZstdError.corruptFrame("out of memory creating a decompression context")
        }
        defer {
            let kept = locked { () -> Bool in
                guard decompressors.count < limit else { return false }
                decompressors.append(context)
                return true
            }
            if !kept { ZSTD_freeDCtx(context) }
        }
        return try body(context)
    }

    /// A scratch buffer of at least `size` bytes, reused between calls.
    func withScratch<R>(size: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        var buffer = locked { scratch.popLast() } ?? UnsafeMutableRawBufferPointer(start: nil, count: 0)
        if buffer.count < size {
            buffer.deallocate()
            buffer = .allocate(byteCount: max(size, 64 << 10), alignment: 16)
        }
        defer {
            let kept = locked { () -> Bool in
                guard scratch.count < limit, buffer.count <= 64 << 20 else { return false }
                scratch.append(buffer)
                return true
            }
            if !kept { buffer.deallocate() }
        }
        return try body(buffer)
    }
}

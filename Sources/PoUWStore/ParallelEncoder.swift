internal import Dispatch
internal import PoUWCore
internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#endif

/// Hashes and encodes many objects on several threads while the calling thread consumes the results in order
/// (hashing and encoding are pure functions of the bytes, so the result is the same as doing it one by one).
enum ParallelEncoder {
    /// Objects per unit of work: small enough that the threads share the work evenly and the caller starts
    /// consuming early, large enough that claiming a chunk costs nothing next to encoding it.
    static let chunkSize = 16
    /// Below this many objects, one thread does it all.
    static let parallelThreshold = 128

    static let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Calls `consume` on the calling thread with the index, SHA-256 and stored value of each of `objects`, in
    /// order. Helper threads (one per further core) encode chunks ahead; the calling thread consumes every
    /// finished chunk in order and encodes chunks itself whenever the next one is not ready. When `consume`
    /// throws, or an encoding fails, the helpers stop and the error is rethrown after they have.
    static func forEachEncoded(
        _ kind: ObjectKind,
        _ objects: [[UInt8]],
        preferences: [StoragePreference]? = nil,
        codec: ValueCodec,
        _ consume: (_ index: Int, _ hash: Hash256, _ value: [UInt8]) throws -> Void
    ) throws {
        let helpers = min(cores - 1, objects.count / parallelThreshold)
        guard helpers > 0 else {
            for (index, object) in objects.enumerated() {
                let preference = preferences?[index] ?? .smallest
                try consume(index, Hash256.sha256(object), try codec.encode(kind, object, preference: preference))
            }
            return
        }
        let work = Work(objects: objects, preferences: preferences, kind: kind, codec: codec)
        let group = DispatchGroup()
        for _ in 0..<helpers {
            DispatchQueue.global(qos: .userInitiated).async(group: group) {
                while let chunk = work.claim() { work.encode(chunk, signal: true) }
            }
        }
        defer {
            work.cancel()
            group.wait()
            work.release()
        }
        for chunk in 0..<work.chunkCount {
            while !work.isDone(chunk) {
                if let mine = work.claim() {
                    work.encode(mine, signal: false)
                } else {
                    work.waitForAnyChunk()
                }
            }
            for index in work.range(of: chunk) {
                let (hash, value) = try work.result(index)
                try consume(index, hash, value)
            }
        }
    }

    /// The shared state of one `forEachEncoded`: chunks are claimed in order from a counter; each result slot is
    /// written by exactly one thread before its chunk is marked done under the lock, and read by the calling
    /// thread only after it saw the chunk done (the lock orders the two).
    private final class Work: @unchecked Sendable {
        let objects: [[UInt8]]
        let preferences: [StoragePreference]?
        let kind: ObjectKind
        let codec: ValueCodec
        let chunkCount: Int
        private let slots: UnsafeMutableBufferPointer<Result<(Hash256, [UInt8]), any Error>?>
        private let next = Atomic<Int>(0)
        private let cancelled = Atomic<Bool>(false)
        private let done: Mutex<[Bool]>
        private let finished = DispatchSemaphore(value: 0)

        init(objects: [[UInt8]], preferences: [StoragePreference]?, kind: ObjectKind, codec: ValueCodec) {
            self.objects = objects
            self.preferences = preferences
            self.kind = kind
            self.codec = codec
            chunkCount = (objects.count + ParallelEncoder.chunkSize - 1) / ParallelEncoder.chunkSize
            slots = .allocate(capacity: objects.count)
            slots.initialize(repeating: nil)
            done = Mutex([Bool](repeating: false, count: chunkCount))
        }

        func range(of chunk: Int) -> Range<Int> {
            chunk * ParallelEncoder.chunkSize..<min(objects.count, (chunk + 1) * ParallelEncoder.chunkSize)
        }

        /// The next chunk nobody has claimed, or `nil` when all are claimed (or the work was cancelled).
        func claim() -> Int? {
            guard !cancelled.load(ordering: .relaxed) else { return nil }
            let chunk = next.wrappingAdd(1, ordering: .relaxed).oldValue
            return chunk < chunkCount ? chunk : nil
        }

        func encode(_ chunk: Int, signal: Bool) {
            for index in range(of: chunk) {
                let object = objects[index]
                let preference = preferences?[index] ?? .smallest
                slots[index] = Result(catching: {
                    (Hash256.sha256(object), try codec.encode(kind, object, preference: preference))
                })
            }
            done.withLock { $0[chunk] = true }
            if signal { finished.signal() }
        }

        func isDone(_ chunk: Int) -> Bool { done.withLock { $0[chunk] } }

        /// Waits until a helper finishes some chunk (possibly an earlier wake-up's: callers re-check).
        func waitForAnyChunk() { finished.wait() }

        func result(_ index: Int) throws -> (Hash256, [UInt8]) {
            guard let slot = slots[index] else { preconditionFailure("a finished chunk left a slot empty") }
            return try slot.get()
        }

        func cancel() { cancelled.store(true, ordering: .relaxed) }

        func release() {
            slots.deinitialize()
            slots.deallocate()
        }
    }
}

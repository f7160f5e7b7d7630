internal import Dispatch
internal import PoUWCore
internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#endif

/// Hashes and encodes many objects on several threads while one thread consumes the results in order (hashing and
/// encoding are pure functions of the bytes, so the result is the same as doing it one by one).
enum ParallelEncoder {
    /// Objects per unit of work: small enough that the threads share the work evenly and the consumer starts
    /// early, large enough that claiming a chunk costs nothing next to encoding it.
    static let chunkSize = 16
    /// Below this many objects, `forEachEncoded` does it all on the calling thread.
    static let parallelThreshold = 128

    static let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Calls `consume` on the calling thread with the index, SHA-256 and stored value of each of `objects`, in
    /// order. The process's helper threads (`EncodingQueue`) encode chunks ahead; the calling thread consumes every
    /// finished chunk in order and encodes chunks itself whenever the next one is not ready. When `consume`
    /// throws, or an encoding fails, no further chunk is started and the error is rethrown.
    static func forEachEncoded(
        _ kind: ObjectKind,
        _ objects: [[UInt8]],
        preferences: [StoragePreference]? = nil,
        codec: ValueCodec,
        _ consume: (_ index: Int, _ hash: Hash256, _ value: [UInt8]) throws -> Void
    ) throws {
        guard cores > 1, objects.count >= parallelThreshold else {
            for (index, object) in objects.enumerated() {
                let preference = preferences?[index] ?? .smallest
                try consume(index, Hash256.sha256(object), try codec.encode(kind, object, preference: preference))
            }
            return
        }
        let work = Work(objects: objects, kinds: [kind], preferences: preferences, codec: codec)
        EncodingQueue.shared.submit(work)
        defer { work.cancel() }
        try work.consume(consume)
    }

    /// The shared state of one encoding: chunks are claimed in order from a counter; each result slot is written
    /// by exactly one thread before its chunk is marked done under the lock, and read only after its chunk was
    /// seen done (the lock orders the two). Results stay until the work is released, so they can be consumed more
    /// than once (a write transaction that is retried), by any thread.
    final class Work: @unchecked Sendable {
        let objects: [[UInt8]]
        /// One kind for all objects, or one per object.
        let kinds: [ObjectKind]
        let preferences: [StoragePreference]?
        let codec: ValueCodec
        let chunkCount: Int
        private let slots: UnsafeMutableBufferPointer<Result<(Hash256, [UInt8]), any Error>?>
        private let next = Atomic<Int>(0)
        private let cancelled = Atomic<Bool>(false)
        private let done: Mutex<[Bool]>
        private let finished = DispatchSemaphore(value: 0)

        init(objects: [[UInt8]], kinds: [ObjectKind], preferences: [StoragePreference]?, codec: ValueCodec) {
            precondition(kinds.count == 1 || kinds.count == objects.count, "one kind, or one per object")
            self.objects = objects
            self.kinds = kinds
            self.preferences = preferences
            self.codec = codec
            chunkCount = (objects.count + ParallelEncoder.chunkSize - 1) / ParallelEncoder.chunkSize
            slots = .allocate(capacity: objects.count)
            slots.initialize(repeating: nil)
            done = Mutex([Bool](repeating: false, count: chunkCount))
        }

        deinit {
            slots.deinitialize()
            slots.deallocate()
        }

        func kind(_ index: Int) -> ObjectKind { kinds.count == 1 ? kinds[0] : kinds[index] }

        /// Calls `consume` with every object's index, hash and value in order; encodes the chunks no helper has
        /// claimed yet itself, and waits for those a helper is encoding.
        func consume(_ consume: (_ index: Int, _ hash: Hash256, _ value: [UInt8]) throws -> Void) throws {
            for chunk in 0..<chunkCount {
                while !isDone(chunk) {
                    if let mine = claim() {
                        encode(mine, signal: false)
                    } else {
                        // A helper signals each chunk it finishes. Two consumers of the same work may share a
                        // signal, so a wait also ends after a millisecond and checks again: none waits forever.
                        _ = finished.wait(timeout: .now() + .milliseconds(1))
                    }
                }
                for index in range(of: chunk) {
                    let (hash, value) = try result(index)
                    try consume(index, hash, value)
                }
            }
        }

        private func range(of chunk: Int) -> Range<Int> {
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
                let kind = kind(index)
                slots[index] = Result(catching: {
                    (Hash256.sha256(object), try codec.encode(kind, object, preference: preference))
                })
            }
            done.withLock { $0[chunk] = true }
            // Each signal wakes the consumer once; a wake-up for another chunk than the one it waits for makes
            // it check again.
            if signal { finished.signal() }
        }

        private func isDone(_ chunk: Int) -> Bool { done.withLock { $0[chunk] } }

        private func result(_ index: Int) throws -> (Hash256, [UInt8]) {
            guard let slot = slots[index] else { preconditionFailure("a finished chunk left a slot empty") }
            return try slot.get()
        }

        /// Stops helpers claiming further chunks (a chunk being encoded is finished).
        func cancel() { cancelled.store(true, ordering: .relaxed) }
    }
}

/// The process's encoding helpers: at most one thread per core beyond the first, shared by every encoding under
/// way, each taking the next chunk of the oldest one first. So a batch being written is finished before the next
/// batch's (prepared ahead) gets the cores, and several writers never start more threads than there are cores.
final class EncodingQueue: Sendable {
    static let shared = EncodingQueue(helpers: max(1, ParallelEncoder.cores - 1))

    let helpers: Int
    /// The encodings that may have unclaimed chunks, oldest first, and how many helpers are running.
    private let state = Mutex<(works: [ParallelEncoder.Work], running: Int)>(([], 0))

    init(helpers: Int) { self.helpers = helpers }

    /// Queues `work` behind the encodings already queued; starts a helper when fewer than `helpers` run.
    func submit(_ work: ParallelEncoder.Work) {
        let start = state.withLock { state -> Bool in
            state.works.append(work)
            guard state.running < helpers else { return false }
            state.running += 1
            return true
        }
        if start { DispatchQueue.global(qos: .userInitiated).async { self.help() } }
    }

    /// Encodes chunks until no queued encoding has one left.
    private func help() {
        while let (work, chunk) = next() { work.encode(chunk, signal: true) }
    }

    /// The oldest queued encoding's next chunk (claimed), dropping encodings with none left; `nil` (and one helper
    /// fewer running) when the queue is empty.
    private func next() -> (ParallelEncoder.Work, Int)? {
        state.withLock { state in
            while let first = state.works.first {
                if let chunk = first.claim() { return (first, chunk) }
                state.works.removeFirst()
            }
            state.running -= 1
            return nil
        }
    }
}

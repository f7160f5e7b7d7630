internal import Dispatch
internal import PoUWCore
internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#endif

/// Hashes and encodes many objects on several threads (pure functions of the bytes, so the result is the same as
/// doing it one by one).
enum ParallelEncoder {
    /// Below this many objects per thread, one thread does it all.
    static let objectsPerThread = 64

    static let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// SHA-256 and the stored value of each of `objects`, in order.
    static func hashAndEncode(
        _ kind: ObjectKind,
        _ objects: [[UInt8]],
        codec: ValueCodec
    ) throws -> [(Hash256, [UInt8])] {
        let threads = min(cores, objects.count / objectsPerThread)
        guard threads > 1 else { return try objects.map { (Hash256.sha256($0), try codec.encode(kind, $0)) } }
        let slots = Slots(count: objects.count)
        defer { slots.release() }
        let chunk = (objects.count + threads - 1) / threads
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in thread * chunk..<min(objects.count, (thread + 1) * chunk) {
                do {
                    slots.store(index, (Hash256.sha256(objects[index]), try codec.encode(kind, objects[index])))
                } catch {
                    slots.fail(error)
                    return
                }
            }
        }
        return try slots.results()
    }

    /// One result slot per object, each written by exactly one thread; read after all threads finished.
    private final class Slots: @unchecked Sendable {
        private let buffer: UnsafeMutableBufferPointer<(Hash256, [UInt8])?>
        private let error = Mutex<(any Error)?>(nil)

        init(count: Int) {
            buffer = .allocate(capacity: count)
            buffer.initialize(repeating: nil)
        }

        func store(_ index: Int, _ value: (Hash256, [UInt8])) { buffer[index] = value }

        func fail(_ failure: any Error) { error.withLock { $0 = $0 ?? failure } }

        func results() throws -> [(Hash256, [UInt8])] {
            if let failure = error.withLock({ $0 }) { throw failure }
            return buffer.map { slot in
                guard let slot else { preconditionFailure("an encoding thread left a slot empty") }
                return slot
            }
        }

        func release() {
            buffer.deinitialize()
            buffer.deallocate()
        }
    }
}

import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C handling for long commands: the first SIGINT asks the work loop to stop at the next safe point (every
/// store commits as it goes, so nothing handled is lost); a second one exits at once with status 130.
final class StopSignal {
    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    private let counter = Counter()
    private let source: any DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let counter = self.counter
        source.setEventHandler {
            if counter.value.add(1, ordering: .sequentiallyConsistent).newValue >= 2 { exit(130) }
        }
        source.resume()
    }

    var requested: Bool { counter.value.load(ordering: .sequentiallyConsistent) > 0 }

    deinit {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}

import Foundation
import PoUWCore
import PoUWStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A small tmpfs mounted for one test, so that a commit really meets a full file system (ENOSPC / short writes),
/// not a simulation. Needs the right to mount (root with CAP_SYS_ADMIN, as in the CI container).
struct SmallFileSystem {
    let path: String

    /// Mounts a tmpfs of `megabytes` MiB at `path` (created if missing).
    init(at path: String, megabytes: Int) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let result = try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0755", "tmpfs", path])
        guard result.status == 0 else { throw POSIXError(.EPERM) }
        self.path = path
    }

    /// Changes the size limit of the mounted file system.
    func resize(megabytes: Int) throws {
        let result = try run("/bin/mount", ["-o", "remount,size=\(megabytes)m", path])
        guard result.status == 0 else { throw POSIXError(.EIO) }
    }

    func unmount() { _ = try? run("/bin/umount", ["-l", path]) }

    /// Whether this process may mount one (tried once on a scratch directory).
    static let available: Bool = {
        guard FileManager.default.isExecutableFile(atPath: "/bin/mount") else { return false }
        return
            (try? withTemporaryDirectory { dir in
                let probe = try SmallFileSystem(at: dir + "/probe", megabytes: 1)
                probe.unmount()
                return true
            }) ?? false
    }()
}

@Suite("Full disk: at commit time, and under an export")
struct DiskFullTests {
    @Test(
        "an export that meets a full file system fails with diskFull, leaves no partial file, and keeps the export it would have replaced",
        .enabled(if: SmallFileSystem.available, "needs permission to mount a small tmpfs")
    )
    func exportToFullFileSystem() throws {
        try withTemporaryDirectory { dir in
            let fileSystem = try SmallFileSystem(at: dir + "/fs", megabytes: 1)
            defer { fileSystem.unmount() }
            let store = try Store.open(at: dir + "/store", options: StoreOptions(autoTrainThreshold: nil))
            var random = TestRandom(43)
            try store.put(.blob, random.bytes(100 << 10))
            let path = fileSystem.path + "/node.pouwexp"
            try store.export(to: path)
            let first = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            // Now more than the file system holds (incompressible, and exports are raw).
            try store.write { batch in for _ in 0..<8 { try batch.put(.blob, random.bytes(200 << 10)) } }
            let error = #expect(throws: StoreError.self) { try store.export(to: path) }
            #expect(error?.code == .diskFull, "\(String(describing: error))")
            #expect(try FileManager.default.contentsOfDirectory(atPath: fileSystem.path) == ["node.pouwexp"])
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == first, "the earlier export is whole")
            let restored = try Store.open(at: dir + "/restored")
            #expect(try restored.import(from: path).objects == 1)
        }
    }

    @Test(
        "a backup that meets a full file system fails with diskFull and leaves no data.mdb; with room, it is made",
        .enabled(if: SmallFileSystem.available, "needs permission to mount a small tmpfs")
    )
    func backupToFullFileSystem() throws {
        try withTemporaryDirectory { dir in
            let fileSystem = try SmallFileSystem(at: dir + "/fs", megabytes: 1)
            defer { fileSystem.unmount() }
            let store = try Store.open(at: dir + "/store", options: StoreOptions(autoTrainThreshold: nil))
            var random = TestRandom(47)
            let blobs = (0..<8).map { _ in random.bytes(200 << 10) }
            try store.write { batch in for blob in blobs { try batch.put(.blob, blob) } }
            let destination = fileSystem.path + "/backup"
            let error = #expect(throws: StoreError.self) { try store.backup(to: destination) }
            #expect(error?.code == .diskFull, "\(String(describing: error))")
            #expect(try FileManager.default.contentsOfDirectory(atPath: destination).isEmpty, "no partial copy")
            try fileSystem.resize(megabytes: 8)
            try store.backup(to: destination)
            let copy = try Store.open(at: destination, options: StoreOptions(readOnly: true))
            for blob in blobs { #expect(try copy.get(Hash256.sha256(blob)) == blob) }
            #expect(try copy.verify().ok)
            // A second backup into the same directory is refused, and the first stays whole.
            let again = #expect(throws: StoreError.self) { try store.backup(to: destination) }
            #expect(again?.code == .invalidArgument)
            #expect(try copy.verify().ok)
        }
    }

    @Test(
        "a commit that meets a full file system fails with diskFull, loses nothing committed, and writes resume once there is room",
        .enabled(if: SmallFileSystem.available, "needs permission to mount a small tmpfs")
    )
    func fullFileSystemAtCommit() throws {
        try withTemporaryDirectory { dir in
            let fileSystem = try SmallFileSystem(at: dir + "/fs", megabytes: 4)
            defer { fileSystem.unmount() }
            let data = fileSystem.path + "/store"
            // The map (64 MiB) is far larger than the file system (4 MiB), so nothing stops the writes before the
            // commit itself runs out of disk; no free-disk reserve either.
            let options = StoreOptions(initialMapSize: 64 << 20, minimumFreeDisk: 0, autoTrainThreshold: nil)
            var random = TestRandom(41)
            var committed: [(Hash256, [UInt8])] = []
            var failure: StoreError?
            do {
                let store = try Store.open(at: data, options: options)
                for round in 0..<400 {
                    let blob = random.bytes(24 << 10)  // incompressible, so every object takes disk
                    let message = random.bytes(300)
                    do {
                        let hashes = try store.write { batch in
                            [try batch.put(.blob, blob), try batch.put(.message, message)]
                        }
                        committed.append((hashes[0], blob))
                        committed.append((hashes[1], message))
                    } catch let error as StoreError {
                        failure = error
                        #expect(round > 10, "the file system held some commits before it filled")
                        break
                    }
                }
                let error = try #require(failure, "4 MiB cannot hold 400 × 24 KiB")
                #expect(error.code == .diskFull, "\(error)")
                #expect(error.description.contains("mdb_txn_commit"), "the commit itself ran out of disk: \(error)")
                // The same handle still reads everything committed before, and a retry fails the same way.
                for (hash, bytes) in committed { #expect(try store.get(hash) == bytes) }
                let again = #expect(throws: StoreError.self) { try store.put(.blob, random.bytes(256 << 10)) }
                #expect(again?.code == .diskFull)
            }
            // Reopened, the store verifies and holds every committed object.
            do {
                let store = try Store.open(at: data, options: options)
                let report = try store.verify()
                #expect(report.ok, "\(report.problems)")
                for (hash, bytes) in committed { #expect(try store.get(hash) == bytes) }
            }
            // With room again, writes resume on a fresh handle.
            try fileSystem.resize(megabytes: 16)
            let store = try Store.open(at: data, options: options)
            let blob = random.bytes(24 << 10)
            let hash = try store.put(.blob, blob)
            #expect(try store.get(hash) == blob)
            #expect(try store.verify().ok)
        }
    }
}

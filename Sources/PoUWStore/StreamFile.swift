#if canImport(Glibc)
internal import Glibc
#endif

/// A buffered file for export streams, over C stdio. Errors become `StoreError`s naming the path.
final class StreamFile {
    private let file: UnsafeMutablePointer<FILE>
    let path: String

    init(path: String, writing: Bool) throws {
        guard let file = fopen(path, writing ? "wb" : "rb") else {
            let code = errno
            throw StoreError(
                code == EACCES || code == EPERM || code == EROFS ? .permissionDenied : .io,
                "cannot open \(path)",
                cause: StoreErrnoCause(code)
            )
        }
        self.file = file
        self.path = path
    }

    deinit { fclose(file) }

    /// Writes a new file at `path` through `body`, atomically: into a partial file beside it, which is synced and
    /// then renamed over `path` (and the directory synced). When anything fails, the partial file is removed and
    /// whatever was at `path` stays as it was.
    static func replacing<R>(_ path: String, _ body: (StreamFile) throws -> R) throws -> R {
        let partial = path + ".partial-\(getpid())"
        do {
            let file: StreamFile
            do {
                file = try StreamFile(path: partial, writing: true)
            } catch let error as StoreError {
                throw StoreError(error.code, "cannot write \(path)", cause: error.cause)
            }
            let result = try body(file)
            try file.finish()
            guard rename(partial, path) == 0 else {
                let code = errno
                throw StoreError(
                    code == EACCES || code == EPERM || code == EROFS ? .permissionDenied : .io,
                    "cannot rename \(partial) to \(path)",
                    cause: StoreErrnoCause(code)
                )
            }
            try syncDirectory(of: path)
            return result
        } catch {
            unlink(partial)
            throw error
        }
    }

    /// Syncs the directory holding `path`, so that a rename into it is durable (file systems that cannot sync a
    /// directory are passed over).
    private static func syncDirectory(of path: String) throws {
        let directory = path.contains("/") ? String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) : "."
        let descriptor = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        guard fsync(descriptor) != 0 else { return }
        let code = errno
        if code != EINVAL && code != EROFS {
            throw StoreError(.io, "cannot sync the directory \(directory)", cause: StoreErrnoCause(code))
        }
    }

    func write(_ bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else {
            let code = errno
            throw StoreError(code == ENOSPC ? .diskFull : .io, "cannot write \(path)", cause: StoreErrnoCause(code))
        }
    }

    /// Flushes and syncs to disk.
    func finish() throws {
        guard fflush(file) == 0, fsync(fileno(file)) == 0 else {
            let code = errno
            throw StoreError(code == ENOSPC ? .diskFull : .io, "cannot write \(path)", cause: StoreErrnoCause(code))
        }
    }

    /// Up to `count` bytes (fewer only at the end of the file).
    func read(upTo count: Int) throws -> [UInt8] {
        var got = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            got = fread(buffer.baseAddress, 1, count, file)
            initialized = got
        }
        if got < count && ferror(file) != 0 {
            throw StoreError(.io, "cannot read \(path)", cause: StoreErrnoCause(errno))
        }
        return bytes
    }

    var size: Int {
        let here = ftello(file)
        fseeko(file, 0, SEEK_END)
        let end = ftello(file)
        fseeko(file, here, SEEK_SET)
        return Int(end)
    }

    func rewind() { fseeko(file, 0, SEEK_SET) }

    /// Moves the read position `count` bytes forward.
    func skip(_ count: Int) throws {
        guard fseeko(file, off_t(count), SEEK_CUR) == 0 else {
            throw StoreError(.io, "cannot seek in \(path)", cause: StoreErrnoCause(errno))
        }
    }
}

#if canImport(Glibc)
internal import Glibc
#endif

/// A read-only view of the whole pages of `data.mdb`, mapped by this module itself (not through liblmdb), for
/// `PageCheck` to read pages that it has not yet proven sound.
///
/// Guarantees: `page(_:)` hands out a page only when it lies entirely inside the file as it was when the view was
/// made (LMDB never shortens the file), so reading it cannot fault; every load from a `PageBytes` is bounds-checked
/// and reads 0 outside the page instead of trapping. The mapping is removed when the view is released.
final class PageFile {
    let pageSize: Int
    /// Whole pages in the file.
    let pageCount: Int
    private let base: UnsafeRawPointer?
    private let length: Int

    /// Maps the whole pages of the file open as `descriptor` (which stays owned by the caller).
    init(descriptor: Int32, pageSize: Int, path: String) throws {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw LMDBError(code: errno, operation: "fstat", context: path) }
        self.pageSize = pageSize
        pageCount = pageSize > 0 ? Int(status.st_size) / pageSize : 0
        length = pageCount * pageSize
        guard length > 0 else {
            base = nil
            return
        }
        let mapped = mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw LMDBError(code: errno, operation: "mmap", context: "\(path) for the page check")
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), length) }
    }

    /// Page `number`, or `nil` when it does not lie wholly inside the file.
    func page(_ number: Int) -> PageBytes? {
        guard let base, number >= 0, number < pageCount else { return nil }
        return PageBytes(bytes: UnsafeRawBufferPointer(start: base + number * pageSize, count: pageSize))
    }

    /// `count` bytes from byte `offset` of page `number` on, when they lie inside the file (data spanning an
    /// overflow run).
    func bytes(page number: Int, offset: Int, count: Int) -> UnsafeRawBufferPointer? {
        guard let base, number >= 0, number < pageCount, offset >= 0, count >= 0 else { return nil }
        let (start, overflow) = number.multipliedReportingOverflow(by: pageSize)
        guard !overflow, offset <= length - start, count <= length - start - offset else { return nil }
        return UnsafeRawBufferPointer(start: base + start + offset, count: count)
    }
}

/// The bytes of one page, with little-endian loads that never read outside it.
struct PageBytes {
    let bytes: UnsafeRawBufferPointer

    var count: Int { bytes.count }

    /// Whether `count` bytes from `offset` lie inside the page.
    @inline(__always)
    func contains(_ offset: Int, _ count: Int) -> Bool {
        offset >= 0 && count >= 0 && offset <= bytes.count && count <= bytes.count - offset
    }

    @inline(__always)
    func u16(_ offset: Int) -> Int {
        guard contains(offset, 2) else { return 0 }
        return Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    @inline(__always)
    func u32(_ offset: Int) -> UInt32 {
        guard contains(offset, 4) else { return 0 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func u64(_ offset: Int) -> UInt64 {
        guard contains(offset, 8) else { return 0 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// `count` bytes from `offset`, or an empty buffer when they do not lie inside the page.
    func slice(_ offset: Int, _ count: Int) -> UnsafeRawBufferPointer {
        guard contains(offset, count), let base = bytes.baseAddress else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return UnsafeRawBufferPointer(start: base + offset, count: count)
    }
}

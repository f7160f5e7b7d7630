/// Why a deflate stream or gzip container was rejected.
public enum InflateError: Error, Sendable, Equatable, CustomStringConvertible {
    case notGzip
    case unsupportedMethod(UInt8)
    case reservedFlags(UInt8)
    case headerChecksumMismatch
    case unexpectedEnd
    case invalidBlockType
    case storedLengthMismatch
    case invalidCodeLengths(String)
    case invalidSymbol
    case distanceTooFar(distance: Int, available: Int)
    case outputLimitExceeded(Int)
    case crcMismatch(expected: UInt32, computed: UInt32)
    case sizeMismatch(expected: UInt32, computed: UInt32)

    public var description: String {
        switch self {
        case .notGzip: "not a gzip file (bad magic bytes)"
        case .unsupportedMethod(let m): "gzip compression method \(m) is not deflate (8)"
        case .reservedFlags(let f): "gzip header has reserved flag bits set (0x\(String(f, radix: 16)))"
        case .headerChecksumMismatch: "gzip header CRC16 mismatch"
        case .unexpectedEnd: "compressed data ends unexpectedly"
        case .invalidBlockType: "deflate block type 3 is reserved"
        case .storedLengthMismatch: "stored block LEN and NLEN disagree"
        case .invalidCodeLengths(let why): "invalid Huffman code lengths: \(why)"
        case .invalidSymbol: "invalid Huffman code in the data"
        case .distanceTooFar(let d, let a): "back-reference distance \(d) exceeds the \(a) bytes written"
        case .outputLimitExceeded(let n): "decompressed data exceeds the limit of \(n) bytes"
        case .crcMismatch(let e, let c):
            "gzip CRC32 mismatch: trailer says 0x\(String(e, radix: 16)), data gives 0x\(String(c, radix: 16))"
        case .sizeMismatch(let e, let c): "gzip ISIZE mismatch: trailer says \(e), data has \(c) (mod 2^32)"
        }
    }
}

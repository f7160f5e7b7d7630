/// Why a data file was rejected. Every case names the file (or field) and the defect.
public enum DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    /// An IDX file whose magic number is not the expected one.
    case wrongMagic(path: String, found: UInt32, expected: UInt32)
    /// The file ended before its header said it would.
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// Extra bytes after the data the header describes.
    case trailingBytes(path: String, count: Int)
    /// Images and labels disagree on the sample count.
    case mismatchedCounts(images: Int, labels: Int)
    /// A label outside the classes the data or task allows.
    case labelOutOfRange(path: String, sample: Int, label: Int, limit: Int)
    /// A CSV row or field is malformed.
    case malformedCSV(path: String, line: Int, reason: String)
    /// A folder lacks one of the four IDX files.
    case missingFile(String)
    /// The gzip container or its deflate stream is invalid.
    case gzip(path: String, error: InflateError)
    /// A header field is impossible (zero or absurd dimensions).
    case invalidHeader(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): "\(p): cannot read (\(r))"
        case .wrongMagic(let p, let f, let e):
            "\(p): wrong IDX magic number 0x\(String(f, radix: 16)) (expected 0x\(String(e, radix: 16)))"
        case .truncated(let p, let e, let a): "\(p): truncated: header needs \(e) bytes, file has \(a)"
        case .trailingBytes(let p, let c): "\(p): \(c) unexpected trailing byte(s)"
        case .mismatchedCounts(let i, let l): "images file has \(i) samples but labels file has \(l)"
        case .labelOutOfRange(let p, let s, let l, let limit): "\(p): label \(l) of sample \(s) is not below \(limit)"
        case .malformedCSV(let p, let line, let r): "\(p):\(line): \(r)"
        case .missingFile(let f): "missing data file \(f)"
        case .gzip(let p, let e): "\(p): \(e)"
        case .invalidHeader(let p, let r): "\(p): invalid header: \(r)"
        }
    }
}

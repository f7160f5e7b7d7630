internal import Foundation

/// The IDX format of MNIST and Fashion-MNIST: big-endian header (`0x00000803`, count, rows, columns for
/// images; `0x00000801`, count for labels) followed by unsigned bytes. Files may be gzip-compressed.
///
/// Guarantees: exact sizes (truncation and trailing bytes are errors), matching counts, labels below the
/// class limit; pixels are normalised as `Float(p) / 255` (one correctly rounded division).
public enum IDX {
    public static let imagesMagic: UInt32 = 0x0000_0803
    public static let labelsMagic: UInt32 = 0x0000_0801

    /// Parsed image file: `count` images of `rows × columns` bytes.
    public struct Images: Sendable {
        public let count: Int
        public let rows: Int
        public let columns: Int
        public let pixels: [UInt8]
    }

    /// Reads a file whole, inflating it when it starts with the gzip magic.
    public static func readFile(_ path: String) throws(DatasetError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "no such file or not readable")
        }
        let bytes = [UInt8](data)
        if Gzip.isGzip(bytes) {
            do { return try Gzip.decompress(bytes) } catch { throw .gzip(path: path, error: error) }
        }
        return bytes
    }

    private static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    public static func parseImages(_ b: [UInt8], path: String) throws(DatasetError) -> Images {
        guard b.count >= 16 else { throw .truncated(path: path, expectedBytes: 16, actualBytes: b.count) }
        let magic = u32(b, 0)
        guard magic == imagesMagic else { throw .wrongMagic(path: path, found: magic, expected: imagesMagic) }
        let count = Int(u32(b, 4))
        let rows = Int(u32(b, 8))
        let cols = Int(u32(b, 12))
        guard rows > 0, cols > 0, rows * cols <= 1 << 24, count <= 1 << 28 else {
            throw .invalidHeader(path: path, reason: "\(count) images of \(rows)×\(cols)")
        }
        let needed = 16 + count * rows * cols
        guard b.count >= needed else { throw .truncated(path: path, expectedBytes: needed, actualBytes: b.count) }
        guard b.count == needed else { throw .trailingBytes(path: path, count: b.count - needed) }
        return Images(count: count, rows: rows, columns: cols, pixels: Array(b[16...]))
    }

    public static func parseLabels(_ b: [UInt8], path: String, classLimit: Int = 256) throws(DatasetError) -> [UInt8] {
        guard b.count >= 8 else { throw .truncated(path: path, expectedBytes: 8, actualBytes: b.count) }
        let magic = u32(b, 0)
        guard magic == labelsMagic else { throw .wrongMagic(path: path, found: magic, expected: labelsMagic) }
        let count = Int(u32(b, 4))
        let needed = 8 + count
        guard b.count >= needed else { throw .truncated(path: path, expectedBytes: needed, actualBytes: b.count) }
        guard b.count == needed else { throw .trailingBytes(path: path, count: b.count - needed) }
        let labels = Array(b[8...])
        if let i = labels.firstIndex(where: { Int($0) >= classLimit }) {
            throw .labelOutOfRange(path: path, sample: i, label: Int(labels[i]), limit: classLimit)
        }
        return labels
    }

    /// Pairs an image file and a label file into a data set of `classCount` classes.
    public static func dataset(
        images: Images,
        labels: [UInt8],
        classCount: Int,
        source: String
    ) throws(DatasetError) -> Dataset {
        guard images.count == labels.count else { throw .mismatchedCounts(images: images.count, labels: labels.count) }
        var features = [Float](repeating: 0, count: images.pixels.count)
        images.pixels.withUnsafeBufferPointer { px in
            for i in 0..<px.count { features[i] = Float(px[i]) / 255 }
        }
        return try Dataset(
            featureCount: images.rows * images.columns,
            classCount: classCount,
            features: features,
            labels: labels,
            source: source
        )
    }

    /// Loads `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
    /// `t10k-labels-idx1-ubyte` (each optionally `.gz`) from `folder`. Classes: 10 (MNIST family).
    public static func loadFolder(
        _ folder: String,
        classCount: Int = 10
    ) throws(DatasetError) -> (
        train: Dataset, test: Dataset
    ) {
        func find(_ name: String) throws(DatasetError) -> String {
            for candidate in ["\(folder)/\(name)", "\(folder)/\(name).gz"]
            where FileManager.default.fileExists(atPath: candidate) {
                return candidate
            }
            throw .missingFile("\(folder)/\(name)[.gz]")
        }
        func load(_ prefix: String) throws(DatasetError) -> Dataset {
            let ip = try find("\(prefix)-images-idx3-ubyte")
            let lp = try find("\(prefix)-labels-idx1-ubyte")
            let images = try parseImages(try readFile(ip), path: ip)
            let labels = try parseLabels(try readFile(lp), path: lp, classLimit: classCount)
            return try dataset(images: images, labels: labels, classCount: classCount, source: ip)
        }
        return (try load("train"), try load("t10k"))
    }
}

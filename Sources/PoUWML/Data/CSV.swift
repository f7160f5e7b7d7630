internal import Foundation

/// Comma-separated numeric data: one sample per line, features first, the class label (a non-negative integer
/// below 256) last; no header. The file may be gzip-compressed.
///
/// Normalisation: every feature is divided by the largest absolute feature value of the file (one correctly
/// rounded division; skipped if that maximum is 0), so features land in `[−1, 1]`. The class count is the
/// largest label + 1. Guarantees: every line has the same number of fields, every field parses, the file has
/// at least one sample; errors give the line number.
public enum CSV {
    public static func load(path: String) throws(DatasetError) -> Dataset {
        try parse(IDX.readFile(path), path: path)
    }

    public static func parse(_ bytes: [UInt8], path: String) throws(DatasetError) -> Dataset {
        var raw: [Float] = []
        var labels: [UInt8] = []
        var width = -1
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0a { end += 1 }
            lineNumber += 1
            var line = bytes[start..<end]
            if line.last == 0x0d { line = line.dropLast() }
            start = end + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let fields = line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            if width < 0 {
                guard fields.count >= 2 else {
                    throw .malformedCSV(path: path, line: lineNumber, reason: "needs at least one feature and a label")
                }
                width = fields.count
            }
            guard fields.count == width else {
                throw .malformedCSV(
                    path: path,
                    line: lineNumber,
                    reason: "has \(fields.count) fields, the first line has \(width)"
                )
            }
            for (i, field) in fields.dropLast().enumerated() {
                let text = String(decoding: field, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                guard let v = Float(text), v.isFinite else {
                    throw .malformedCSV(
                        path: path,
                        line: lineNumber,
                        reason: "field \(i + 1) \"\(text)\" is not a finite number"
                    )
                }
                raw.append(v)
            }
            let labelText = String(decoding: fields[fields.count - 1], as: UTF8.self).trimmingCharacters(
                in: .whitespaces
            )
            guard let labelValue = Double(labelText), labelValue == labelValue.rounded(), labelValue >= 0 else {
                throw .malformedCSV(
                    path: path,
                    line: lineNumber,
                    reason: "label \"\(labelText)\" is not a non-negative integer"
                )
            }
            guard labelValue < 256 else {
                throw .labelOutOfRange(path: path, sample: labels.count, label: Int(min(labelValue, 1e9)), limit: 256)
            }
            labels.append(UInt8(labelValue))
        }
        guard !labels.isEmpty else { throw .malformedCSV(path: path, line: lineNumber, reason: "no samples") }
        var maxAbs: Float = 0
        for v in raw where v.magnitude > maxAbs { maxAbs = v.magnitude }
        if maxAbs > 0 { for i in 0..<raw.count { raw[i] = raw[i] / maxAbs } }
        let classes = Int(labels.max() ?? 0) + 1
        return try Dataset(
            featureCount: width - 1,
            classCount: max(2, classes),
            features: raw,
            labels: labels,
            source: path
        )
    }
}

import Foundation
import PoUWML

/// Resolves `pouw train --data PATH` into a training and a test set.
///
/// PATH is a built-in name (`fashion-mnist`: the Debian `dataset-fashion-mnist` files; `digits`: the UCI
/// optical digits CSV from `Fixtures/digits/`), a folder of IDX files (its t10k files are the test set), or a
/// CSV file (the test set is withheld by the task's `test_fraction` from the seed).
enum TrainData {
    static let fashionMNISTFolder = "/usr/share/datasets/fashion-mnist"

    /// Places the digits fixture may be: the package's `Fixtures/` (found from this source file), an installed
    /// copy, or scikit-learn's own copy.
    static var digitsCandidates: [String] {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        return [
            "\(packageRoot)/Fixtures/digits/digits.csv.gz",
            "/usr/local/share/pouw/digits.csv.gz",
            "/usr/share/pouw/digits.csv.gz",
            "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz",
        ]
    }

    struct Loaded {
        var train: Dataset
        var test: Dataset
        var description: String
    }

    static func load(_ path: String, testFraction: Double, seed: UInt64) throws -> Loaded {
        switch path {
        case "fashion-mnist":
            let (train, test) = try IDX.loadFolder(fashionMNISTFolder)
            return Loaded(train: train, test: test, description: "Fashion-MNIST (\(fashionMNISTFolder))")
        case "digits":
            guard let file = digitsCandidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                throw DatasetError.missingFile("digits.csv.gz (looked in \(digitsCandidates.joined(separator: ", ")))")
            }
            return try csv(file, testFraction: testFraction, seed: seed)
        default:
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw DatasetError.unreadable(
                    path: path,
                    reason: "no such file or folder (built-in names: fashion-mnist, digits)"
                )
            }
            if isDirectory.boolValue {
                let (train, test) = try IDX.loadFolder(path)
                return Loaded(train: train, test: test, description: "IDX folder \(path)")
            }
            return try csv(path, testFraction: testFraction, seed: seed)
        }
    }

    private static func csv(_ file: String, testFraction: Double, seed: UInt64) throws -> Loaded {
        let all = try CSV.load(path: file)
        let (train, test) = all.split(testFraction: testFraction, seed: seed)
        return Loaded(train: train, test: test, description: "CSV \(file) (test fraction \(testFraction))")
    }
}

import Foundation
import PoUWCore
import PoUWStore

#if canImport(Glibc)
import Glibc
#endif

/// A fresh temporary directory for one test, removed afterwards.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    var template = Array((NSTemporaryDirectory() + "pouw-store-test-XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
    let path = String(cString: made)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// The package root, from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// Where the built tools are: `$POUW_BIN_DIR`, else `.build/release`, else `.build/debug`.
func toolPath(_ name: String) -> String? {
    var candidates: [String] = []
    if let bin = ProcessInfo.processInfo.environment["POUW_BIN_DIR"] { candidates.append(bin) }
    candidates += [packageRoot + "/.build/release", packageRoot + "/.build/debug"]
    return candidates.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// Runs an executable and returns its exit status (the signal's number when `reason` is `.uncaughtSignal`) and
/// output.
@discardableResult
func run(
    _ executable: String,
    _ arguments: [String],
    stdin: Data? = nil
) throws -> (
    status: Int32, stdout: Data, stderr: String, reason: Process.TerminationReason
) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, stdout, String(decoding: stderr, as: UTF8.self), process.terminationReason)
}

/// Which system tool path exists (`/usr/bin/zstd` …), or nil.
func systemTool(_ name: String) -> String? {
    ["/usr/bin/", "/usr/local/bin/", "/bin/"].map { $0 + name }.first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
}

/// Deterministic bytes.
struct TestRandom {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Sample objects of every kind: small records, float tensors, a sparse update, random (incompressible) bytes.
func sampleObjects(_ seed: UInt64 = 1) -> [(ObjectKind, [UInt8])] {
    var random = TestRandom(seed)
    func floats(_ n: Int) -> [UInt8] {
        var out = [UInt8]()
        for i in 0..<n {
            let value = Float(Int(random.next() % 2000) - 1000) / 7919 + Float(i % 3)
            withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }
    var sparse = ByteWriter()
    var index: UInt32 = 0
    for _ in 0..<200 {
        index += UInt32(1 + random.below(500))
        sparse.u32(index | (random.next() & 1 == 0 ? 0 : 0x8000_0000))
    }
    return [
        (.block, Array("block with some repeated text repeated text repeated text".utf8) + random.bytes(100)),
        (.blockHeader, random.bytes(80)),
        (.transaction, Array(repeating: Array("tx-field;".utf8), count: 20).flatMap { $0 }),
        (.message, Array("iteration message ".utf8) + Array(repeating: 0x11, count: 300) + random.bytes(64)),
        (.checkpoint, floats(20_000)),
        (.denseTensor, floats(999)),
        (.sparseUpdate, sparse.bytes),
        (.batch, (0..<4096).map { UInt8(truncatingIfNeeded: $0 % 97) }),
        (.blob, random.bytes(3000)),
        (.blob, []),
        (.blob, [42]),
        // A model state's shape: a 3-byte head puts the floats off the 4-byte grid (length 3 mod 4).
        (.checkpoint, [0x31, 0x01, 0x01] + floats(5_000)),
    ]
}

extension StoreError.Code {
    static func of(_ error: any Error) -> StoreError.Code? { (error as? StoreError)?.code }
}

/// `short` trials by default, `long` with `POUW_LONG_TESTS=1` (the soak forms).
func trialCount(_ short: Int, long: Int) -> Int {
    ProcessInfo.processInfo.environment["POUW_LONG_TESTS"] == "1" ? long : short
}

/// Runs `executable` with `arguments`, its output discarded; with `killAfter`, sends it SIGKILL that many
/// microseconds after starting it. Returns the process once it has exited.
@discardableResult
func runChild(_ executable: String, _ arguments: [String], killAfter microseconds: UInt32? = nil) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    if let microseconds {
        usleep(microseconds)
        kill(process.processIdentifier, SIGKILL)
    }
    process.waitUntilExit()
    return process
}

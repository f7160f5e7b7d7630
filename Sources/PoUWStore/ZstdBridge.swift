internal import PoUWZstd

/// Small helpers over PoUWZstd used by the store's stream code.
enum PoUWZstdBridge {
    static func dictionaryID(_ bytes: [UInt8]) -> UInt32 { ZstdDictionary.id(of: bytes) }
}

/// What a put optimises an object's stored value for.
///
/// Guarantees: the preference changes only how the value is stored, never the object's key, its bytes as `get`
/// returns them, or what `verify` checks. It applies when the object is first stored: putting the same bytes again
/// with another preference is still a no-op (the store is append-only and content-addressed).
public enum StoragePreference: Sendable, Equatable {
    /// The kind's codec (byte shuffle, dictionary, delta coding or plain zstd), raw only when compression does not
    /// pay: the fewest bytes on disk. The default.
    case smallest
    /// Raw (the value header, then the bytes as they are): reading costs a copy instead of a decompression. For
    /// hot objects that verification reads at once, such as the model state a block's iteration starts from,
    /// which every verifier loads (a 2 MB state decompresses in about 2 ms, as long as half the iteration it
    /// replays; raw it costs about 0.2 ms, for some 30 % more disk).
    case fastestRead
    /// The fewest bytes for a record that carries sparse update words (u32 little-endian, in non-decreasing
    /// order) at `words`, a byte range of the object: each is stored as its LEB128 difference from the one before,
    /// the rest goes through the kind's dictionary (`Codec.sparseSectionZstd`). An iteration message gives its
    /// update's range (`IterationMessage.updateWordsRange`). When the range is not whole words inside the object
    /// in that order, or holds fewer than 64 words (`SparseSection.minimumWords`), this is `.smallest`.
    case smallestWithSparseWords(Range<Int>)
}

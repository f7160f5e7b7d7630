import Foundation

/// Writes `text` to stderr as is (progress lines, diagnostics): the one place the tools touch stderr.
func writeStandardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

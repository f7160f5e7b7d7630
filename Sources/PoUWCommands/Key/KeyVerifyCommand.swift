import ArgumentParser
import PoUWCore
import PoUWCrypto

/// `pouw key verify`: checks an Ed25519 signature; exit status 1 when it is invalid.
struct KeyVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify an Ed25519 signature; exits 1 if it is invalid.",
        discussion: """
            Prints "valid" (exit 0) or "invalid" (exit 1). Malformed hex or a public key that is not 32 bytes is \
            a usage error (exit 64).

            Example:
              pouw key verify --public $PUBLIC --message 68656c6c6f --signature $SIG
            """
    )

    @Option(name: .customLong("public"), help: "The 32-byte Ed25519 public key, hex.") var publicKey: String
    @Option(help: "The message, hex (may be empty).") var message: String
    @Option(help: "The 64-byte signature, hex.") var signature: String
    @OptionGroup var output: JSONFlag

    func run() throws {
        let keyBytes = try KeyIO.hex(publicKey, option: "--public")
        let bytes = try KeyIO.hex(message, option: "--message")
        let sig = try KeyIO.hex(signature, option: "--signature")
        let key: Ed25519.PublicKey
        do {
            key = try Ed25519.PublicKey(bytes: keyBytes)
        } catch {
            throw ValidationError("--public: \(error.message)")
        }
        let valid = key.isValidSignature(sig, for: bytes)
        if output.json {
            KeyIO.printJSON(["valid": valid])
        } else {
            print(valid ? "valid" : "invalid")
        }
        if !valid { throw ExitCode(1) }
    }
}

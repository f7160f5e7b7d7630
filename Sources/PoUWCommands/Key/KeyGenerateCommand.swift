import ArgumentParser
import PoUWCore
import PoUWCrypto

/// `pouw key generate`: a fresh Ed25519 key, its address, and a fresh VRF key.
struct KeyGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate an Ed25519 signing key (with its address) and an ECVRF key.",
        discussion: """
            Prints the Ed25519 seed (secret), public key and address (first 20 bytes of SHA-256 of the public \
            key), then the VRF secret scalar and compressed public point. Keep the secrets secret.

            Example:
              pouw key generate --json
            """
    )

    @OptionGroup var output: JSONFlag

    func run() throws {
        let signing = Ed25519.PrivateKey()
        let vrf = VRF.SecretKey()
        let fields: [(String, String)] = [
            ("secret", Hex.encode(signing.seed)),
            ("public", Hex.encode(signing.publicKey.bytes)),
            ("address", Address(publicKey: signing.publicKey).hex),
            ("vrf_secret", Hex.encode(vrf.bytes)),
            ("vrf_public", Hex.encode(vrf.publicKey.bytes)),
        ]
        if output.json {
            KeyIO.printJSON(Dictionary(uniqueKeysWithValues: fields.map { ($0.0, $0.1 as any Sendable) }))
        } else {
            for (name, value) in fields { print("\(name): \(value)") }
        }
    }
}

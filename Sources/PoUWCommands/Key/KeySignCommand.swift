import ArgumentParser
import PoUWCore
import PoUWCrypto

/// `pouw key sign`: an Ed25519 signature of a hex message.
struct KeySignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a message with an Ed25519 secret key (the 32-byte seed).",
        discussion: """
            Prints the 64-byte RFC 8032 signature in hex.

            Example:
              pouw key sign --secret 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60 --message ""
            """
    )

    @Option(help: "The 32-byte Ed25519 seed, hex.") var secret: String
    @Option(help: "The message, hex (may be empty).") var message: String
    @OptionGroup var output: JSONFlag

    func run() throws {
        let seed = try KeyIO.hex(secret, option: "--secret")
        let bytes = try KeyIO.hex(message, option: "--message")
        let key: Ed25519.PrivateKey
        do {
            key = try Ed25519.PrivateKey(seed: seed)
        } catch {
            throw ValidationError("--secret: \(error.message)")
        }
        let signature = Hex.encode(key.sign(bytes))
        if output.json {
            KeyIO.printJSON(["signature": signature, "public": Hex.encode(key.publicKey.bytes)])
        } else {
            print(signature)
        }
    }
}

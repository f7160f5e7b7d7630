import ArgumentParser
import PoUWCore
import PoUWCrypto

/// `pouw key vrf-prove`: an ECVRF proof and output for an input.
struct KeyVRFProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vrf-prove",
        abstract: "Compute the ECVRF-P256-SHA256-TAI proof (pi) and output (beta) for an input (alpha).",
        discussion: """
            Prints "pi: <81 bytes hex>" and "beta: <32 bytes hex>" (RFC 9381). The same key and alpha always give \
            the same pi and beta.

            Example (RFC 9381 example 10):
              pouw key vrf-prove --secret c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721 \\
                --alpha 73616d706c65
            """
    )

    @Option(help: "The 32-byte VRF secret scalar, hex.") var secret: String
    @Option(help: "The input alpha, hex (may be empty).") var alpha: String
    @OptionGroup var output: JSONFlag

    func run() throws {
        let scalar = try KeyIO.hex(secret, option: "--secret")
        let input = try KeyIO.hex(alpha, option: "--alpha")
        let key: VRF.SecretKey
        do {
            key = try VRF.SecretKey(bytes: scalar)
        } catch {
            throw ValidationError("--secret: \(error.message)")
        }
        let proof = key.prove(alpha: input)
        let pi = Hex.encode(proof.bytes)
        let beta = Hex.encode(proof.output)
        if output.json {
            KeyIO.printJSON(["pi": pi, "beta": beta, "public": Hex.encode(key.publicKey.bytes)])
        } else {
            print("pi: \(pi)")
            print("beta: \(beta)")
        }
    }
}

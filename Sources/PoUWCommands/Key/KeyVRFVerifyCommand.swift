import ArgumentParser
import PoUWCore
import PoUWCrypto

/// `pouw key vrf-verify`: checks an ECVRF proof and prints its output; exit status 1 when it is invalid.
struct KeyVRFVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vrf-verify",
        abstract: "Verify an ECVRF-P256-SHA256-TAI proof and print its output (beta); exits 1 if it is invalid.",
        discussion: """
            Prints beta in hex (exit 0), or the reason the proof was rejected on stderr (exit 1): a malformed \
            proof (wrong length, Gamma not on the curve, s not below the group order) counts as invalid. A public \
            key that is not a valid compressed P-256 point is a usage error (exit 64).

            Example:
              pouw key vrf-verify --public $VRF_PUBLIC --alpha 73616d706c65 --proof $PI
            """
    )

    @Option(name: .customLong("public"), help: "The 33-byte compressed VRF public key, hex.") var publicKey: String
    @Option(help: "The input alpha, hex (may be empty).") var alpha: String
    @Option(help: "The 81-byte proof pi, hex.") var proof: String
    @OptionGroup var output: JSONFlag

    func run() throws {
        let keyBytes = try KeyIO.hex(publicKey, option: "--public")
        let input = try KeyIO.hex(alpha, option: "--alpha")
        let pi = try KeyIO.hex(proof, option: "--proof")
        let key: VRF.PublicKey
        do {
            key = try VRF.PublicKey(bytes: keyBytes)
        } catch {
            throw ValidationError("--public: \(error.message)")
        }
        do {
            let beta = Hex.encode(try key.verify(proofBytes: pi, alpha: input))
            if output.json {
                KeyIO.printJSON(["valid": true, "beta": beta])
            } else {
                print(beta)
            }
        } catch {
            if output.json {
                KeyIO.printJSON(["valid": false, "error": error.description])
            } else {
                KeyIO.printError("invalid proof: \(error.message)")
            }
            throw ExitCode(1)
        }
    }
}

public import ArgumentParser

/// `pouw key`: key generation, Ed25519 signatures and ECVRF proofs from the command line, hex in and out.
public struct KeyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Generate keys, sign and verify (Ed25519), prove and verify VRF outputs (ECVRF-P256-SHA256-TAI).",
        discussion: """
            Every value is hexadecimal on the command line and on output, so that scripts can pipe them. Add \
            --json for one JSON object instead. Invalid input (malformed hex, wrong lengths, points off the \
            curve) prints a reason on stderr and exits non-zero; `verify` and `vrf-verify` exit 1 when the \
            signature or proof does not verify.

            Example:
              pouw key generate --json > key.json
              SIG=$(pouw key sign --secret $SECRET --message 68656c6c6f)
              pouw key verify --public $PUBLIC --message 68656c6c6f --signature $SIG && echo ok
            """,
        subcommands: [
            KeyGenerateCommand.self,
            KeySignCommand.self,
            KeyVerifyCommand.self,
            KeyVRFProveCommand.self,
            KeyVRFVerifyCommand.self,
        ]
    )

    public init() {}
}

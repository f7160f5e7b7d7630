import Foundation
import PoUWCore
import PoUWCrypto
import Testing

/// `pouw key …` end to end: the built binary, hex in, hex or JSON out, exit statuses.
@Suite struct KeyCommandTests {
    let pouw: BuiltTool

    init() throws { pouw = try BuiltTool("pouw") }

    static let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
    static let publicKey = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    static let signature =
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    static let vrfSecret = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"
    static let vrfPublic = "0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
    static let pi =
        "035b5c726e8c0e2c488a107c600578ee75cb702343c153cb1eb8dec77f4b5071b4a53f0a46f018bc2c56e58d383f2305e0975972c26feea0eb122fe7893c15af376b33edf7de17c6ea056d4d82de6bc02f"
    static let beta = "a3ad7b0ef73d8fc6655053ea22f9bede8c743f08bbed3d38821f0e16474b505e"
    static let sample = "73616d706c65"  // "sample"

    func json(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func generateGivesConsistentKeys() throws {
        let result = try pouw.run(["key", "generate", "--json"])
        #expect(result.status == 0)
        let fields = try json(result.stdout)
        let secretHex = try #require(fields["secret"] as? String)
        let secret = try #require(Hex.decode(secretHex))
        let key = try Ed25519.PrivateKey(seed: secret)
        #expect(fields["public"] as? String == Hex.encode(key.publicKey.bytes))
        #expect(fields["address"] as? String == Address(publicKey: key.publicKey).hex)
        let vrfSecretHex = try #require(fields["vrf_secret"] as? String)
        let vrfSecret = try #require(Hex.decode(vrfSecretHex))
        #expect(fields["vrf_public"] as? String == Hex.encode(try VRF.SecretKey(bytes: vrfSecret).publicKey.bytes))
        let text = try pouw.run(["key", "generate"])
        #expect(text.status == 0)
        #expect(
            text.stdout.split(separator: "\n").map { $0.split(separator: ":")[0] } == [
                "secret", "public", "address", "vrf_secret", "vrf_public",
            ]
        )
    }

    @Test func signAndVerifyRFC8032Test1() throws {
        let signed = try pouw.run(["key", "sign", "--secret", Self.seed, "--message", ""])
        #expect(signed.status == 0)
        #expect(signed.stdout == Self.signature + "\n")
        let ok = try pouw.run([
            "key", "verify", "--public", Self.publicKey, "--message", "", "--signature", Self.signature,
        ])
        #expect(ok.status == 0)
        #expect(ok.stdout == "valid\n")
        let bad = try pouw.run([
            "key", "verify", "--public", Self.publicKey, "--message", "00", "--signature", Self.signature,
        ])
        #expect(bad.status == 1)
        #expect(bad.stdout == "invalid\n")
        let badJSON = try pouw.run([
            "key", "verify", "--public", Self.publicKey, "--message", "00", "--signature", Self.signature, "--json",
        ])
        #expect(badJSON.status == 1)
        #expect(try json(badJSON.stdout)["valid"] as? Bool == false)
    }

    @Test func vrfProveAndVerifyRFC9381Example10() throws {
        let proved = try pouw.run(["key", "vrf-prove", "--secret", Self.vrfSecret, "--alpha", Self.sample, "--json"])
        #expect(proved.status == 0)
        let fields = try json(proved.stdout)
        #expect(fields["pi"] as? String == Self.pi)
        #expect(fields["beta"] as? String == Self.beta)
        let text = try pouw.run(["key", "vrf-prove", "--secret", Self.vrfSecret, "--alpha", Self.sample])
        #expect(text.stdout == "pi: \(Self.pi)\nbeta: \(Self.beta)\n")
        let verified = try pouw.run([
            "key", "vrf-verify", "--public", Self.vrfPublic, "--alpha", Self.sample, "--proof", Self.pi,
        ])
        #expect(verified.status == 0)
        #expect(verified.stdout == Self.beta + "\n")
        let wrongAlpha = try pouw.run([
            "key", "vrf-verify", "--public", Self.vrfPublic, "--alpha", "00", "--proof", Self.pi,
        ])
        #expect(wrongAlpha.status == 1)
        #expect(wrongAlpha.stdout.isEmpty)
        #expect(wrongAlpha.stderr.contains("invalid proof"))
        var flipped = Array(Self.pi)
        flipped[100] = flipped[100] == "0" ? "1" : "0"
        let tampered = try pouw.run([
            "key", "vrf-verify", "--public", Self.vrfPublic, "--alpha", Self.sample, "--proof", String(flipped),
            "--json",
        ])
        #expect(tampered.status == 1)
        #expect(try json(tampered.stdout)["valid"] as? Bool == false)
    }

    @Test func malformedInputExitsNonZeroWithAReason() throws {
        let cases: [[String]] = [
            ["key", "sign", "--secret", "zz", "--message", ""],
            ["key", "sign", "--secret", "00", "--message", ""],
            ["key", "sign", "--secret", Self.seed, "--message", "abc"],
            ["key", "verify", "--public", "00", "--message", "", "--signature", Self.signature],
            ["key", "vrf-prove", "--secret", String(repeating: "0", count: 64), "--alpha", ""],
            [
                "key", "vrf-verify", "--public", "04" + String(Self.vrfPublic.dropFirst(2)), "--alpha", "", "--proof",
                Self.pi,
            ],
            ["key", "vrf-verify", "--public", Self.vrfPublic, "--alpha", "", "--proof", "00"],
        ]
        for arguments in cases {
            let result = try pouw.run(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(!result.stderr.isEmpty, "\(arguments)")
        }
        let help = try pouw.run(["key", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("vrf-verify"))
    }
}

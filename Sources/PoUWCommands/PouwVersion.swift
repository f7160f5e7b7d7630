/// The version string every tool prints for `--version`.
enum PouwVersion {
    static let string = "0.1.0"
}

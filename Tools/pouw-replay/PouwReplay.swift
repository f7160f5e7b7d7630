import ArgumentParser
import PoUWCommands

/// The executable is only an entry point: everything lives in `PoUWCommands`.
@main
extension ReplayCommand {}

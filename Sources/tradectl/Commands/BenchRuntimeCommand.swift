import ArgumentParser

struct BenchRuntimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runtime", abstract: "Side-by-side runtime benchmark.")
    func run() async throws {}
}

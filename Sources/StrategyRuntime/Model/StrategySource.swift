import Foundation

/// The source of one strategy version.
public struct StrategySource: Sendable, Equatable {
    public var id: String
    public var version: Int
    public var code: String
    /// Where the code came from, for messages; not read again.
    public var origin: String
    /// Who wrote it. At isolation `process`, strategies share a worker only with the same author's;
    /// nil keeps the strategy in a worker of its own.
    public var author: String?

    public init(id: String, version: Int = 1, code: String, origin: String? = nil) {
        self.id = id
        self.version = version
        self.code = code
        self.origin = origin ?? "<\(id)>"
    }

    /// Reads a strategy from a file; the id defaults to the file's base name.
    ///
    /// - Throws: `StrategyError` with code `load` when the file cannot be read as UTF-8.
    public init(file path: String, id: String? = nil, version: Int = 1) throws(StrategyError) {
        let url = URL(fileURLWithPath: path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StrategyError(.load, "cannot read strategy file \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw StrategyError(.load, "strategy file \(path) is not UTF-8")
        }
        self.init(id: id ?? url.deletingPathExtension().lastPathComponent, version: version, code: text, origin: path)
    }

    /// The file name Python sees in tracebacks.
    var pythonFilename: String { "<strategy \(id)@\(version)>" }
}

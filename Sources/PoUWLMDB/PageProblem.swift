/// One structural defect of `data.mdb` found by `Environment.checkPages`: which page, in which tree, what is wrong.
///
/// Guarantees: `page` is a page number of `data.mdb` (pages 0 and 1 are the meta pages); `database` is `(meta)`,
/// `(free)`, `(main)` or the name of a named database; `message` says what was found and what was expected.
public struct PageProblem: Sendable, Equatable, CustomStringConvertible {
    /// The page holding the defect (for a pointer that leads nowhere, the page holding the pointer).
    public var page: Int
    /// The tree the page belongs to: `(meta)`, `(free)`, `(main)` or a named database.
    public var database: String
    public var message: String

    public init(page: Int, database: String, message: String) {
        self.page = page
        self.database = database
        self.message = message
    }

    public var description: String { "page \(page) of \(database): \(message)" }
}

/// The outcome of `Environment.checkPages`.
///
/// Guarantees: when `ok`, every page of the trees checked lies inside the file and holds what liblmdb expects there
/// (see `PageCheck`), so liblmdb's walks of those trees in that snapshot stay inside the file. `problems` holds at
/// most the limit asked for; `truncated` says the check stopped there.
public struct PageCheckReport: Sendable {
    public var problems: [PageProblem]
    /// The check stopped at the limit of problems: there may be more.
    public var truncated: Bool
    /// Pages proven in use: branch, leaf and overflow pages of the trees checked.
    public var pagesChecked: Int
    /// The transaction whose snapshot was checked.
    public var transactionID: Int

    public var ok: Bool { problems.isEmpty }
}

/// Why a task file was rejected: always names the field (as a dotted path such as `architecture.hidden_sizes[1]`)
/// and says why.
public enum TaskDefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not valid JSON.
    case malformedJSON(String)
    /// A field this engine does not know (a typo or a feature it does not implement).
    case unknownField(String)
    /// A required field is absent.
    case missingField(String)
    /// A field has the wrong type or an impossible value.
    case invalidValue(field: String, reason: String)

    public var description: String {
        switch self {
        case .malformedJSON(let reason): "task file is not valid JSON: \(reason)"
        case .unknownField(let field): "task file: unknown field \"\(field)\""
        case .missingField(let field): "task file: missing required field \"\(field)\""
        case .invalidValue(let field, let reason): "task file: field \"\(field)\" \(reason)"
        }
    }
}

/// Why a training operation was refused. Each case names what was wrong.
public enum TrainingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A batch does not fit the model (feature count, label range or size).
    case batchMismatch(String)
    /// A state does not belong to this task (parameter count, optimizer kind).
    case stateMismatch(String)
    /// An update does not fit this state (τ or parameter count differ, or a count would overflow).
    case updateMismatch(String)
    /// A NaN or infinity appeared in the named tensor during a step; the trainer must be discarded.
    case nonFinite(tensor: String, element: Int)

    public var description: String {
        switch self {
        case .batchMismatch(let s): "batch does not fit the model: \(s)"
        case .stateMismatch(let s): "state does not fit the task: \(s)"
        case .updateMismatch(let s): "update does not fit the state: \(s)"
        case .nonFinite(let tensor, let element): "\(tensor): element \(element) is not finite"
        }
    }
}

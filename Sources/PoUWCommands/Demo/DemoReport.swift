/// The `pouw demo --json` report (also written to `DIR/demo-report.json`).
struct DemoReport: Codable {
    struct Miner: Codable {
        var name: String
        var key: String
        var iterations: UInt64
        var epoch: UInt32
        var trainLoss: Double
        var testAccuracy: Double
        var blocksMined: Int
        var payout: String
        var balance: String

        enum CodingKeys: String, CodingKey {
            case name, key, iterations, epoch
            case trainLoss = "train_loss"
            case testAccuracy = "test_accuracy"
            case blocksMined = "blocks_mined"
            case payout, balance
        }
    }

    struct Participant: Codable {
        var name: String
        var role: String
        var account: String
        var payout: String
        var balance: String
    }

    struct Verification: Codable {
        var node: String
        var accepted: Int
        var invalid: Int
        var unavailable: Int
        var messagesRecorded: Int
        var messagesRejected: Int
        var verifySeconds: Double

        enum CodingKeys: String, CodingKey {
            case node, accepted, invalid, unavailable
            case messagesRecorded = "messages_recorded"
            case messagesRejected = "messages_rejected"
            case verifySeconds = "verify_seconds"
        }
    }

    var dataset: String
    var task: String
    var taskID: String
    var dataDirectory: String
    var seconds: Double
    var rounds: Int
    var interrupted: Bool
    var bestTestAccuracy: Double
    var chainHeight: UInt64
    var blocks: [String]
    var taskResult: String?
    var taskResultConfirmed: Bool
    var slashed: String
    var miners: [Miner]
    var participants: [Participant]
    var verification: [Verification]

    enum CodingKeys: String, CodingKey {
        case dataset, task, seconds, rounds, interrupted, blocks, slashed, miners, participants, verification
        case taskID = "task_id"
        case dataDirectory = "data_dir"
        case bestTestAccuracy = "best_test_accuracy"
        case chainHeight = "chain_height"
        case taskResult = "task_result"
        case taskResultConfirmed = "task_result_confirmed"
    }
}
